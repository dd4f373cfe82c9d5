/**
 * Security policy on the real API process (`node --import tsx src/server.ts`), as deployed:
 * with NODE_ENV=production it refuses to start on a missing, short, development or weak
 * key (exit 1, one line, the key not echoed); started with strong keys it refuses the
 * development tokens and enforces scopes; and nothing it logs — at trace level, through
 * accepted, refused and malformed requests and a graceful stop — contains a token.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startApi, type Api } from '../faults/support/processes.js';
import { sharedDatabase, stopAll } from '../faults/support/servers.js';
import { runApiToExit } from '../helpers/api-process.js';
import { deleteKeys } from '../helpers/redis-keys.js';

const STRONG = 'Prod-user-key-6f1c93b2d7e04a58b9c1e2f3';
const ADMIN = 'Prod-admin-key-0a9b8c7d6e5f4a3b2c1d0e9f';

/** The real API process in production mode with only `env`, run until it exits. */
const runToExit = (env: Record<string, string>) => runApiToExit({ NODE_ENV: 'production', L01_PORT: '1', ...env });

describe('NODE_ENV=production refuses to start', () => {
  const cases: Array<[string, Record<string, string>, string | undefined]> = [
    ['without any key', {}, undefined],
    ['with a key under 32 characters', { L01_API_KEY: 'short-key-0123456789' }, 'short-key-0123456789'],
    ['with a development token as its key', { L01_API_KEY: 'test_token_123' }, 'test_token_123'],
    ['with a development token among its keys', { L01_API_KEY: STRONG, L01_API_KEYS: 'dev_key_local_ONLY' }, 'dev_key_local_ONLY'],
    ['with one repeated character', { L01_API_KEY: 'a'.repeat(40) }, 'a'.repeat(40)],
    ['with a changeme placeholder', { L01_API_KEY: 'changeme-changeme-changeme-changeme-00' }, 'changeme-changeme-changeme-changeme-00'],
    ['with a "password…" key', { L01_API_KEY: 'password-password-password-password-12' }, 'password-password-password-password-12'],
    ['with a "your secure key" placeholder', { L01_API_KEY: 'your-secure-api-key-goes-here-0123456' }, 'your-secure-api-key-goes-here-0123456'],
    ['with a weak admin key beside a strong one', { L01_API_KEY: STRONG, L01_ADMIN_API_KEY: 'x'.repeat(32) }, 'x'.repeat(32)],
  ];

  it.concurrent.each(cases)('%s: exit 1, one line naming the problem, the key not echoed', async (_label, env, key) => {
    const { code, stderr, stdout } = await runToExit(env);
    expect(code, stderr).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/API key|L01_API_KEY/);
    if (key) expect(stderr + stdout, 'a refused key is not printed').not.toContain(key);
  });
});

describe('the production process, started with strong keys', () => {
  let api: Api | undefined;
  let drop: (() => Promise<void>) | undefined;
  const presented = [STRONG, ADMIN, 'test_token_123', 'dev_key_local_ONLY', 'Almost-the-prod-key-6f1c93b2d7e04a58b9c1'];
  // Its own key prefix on the shared Redis (the API's queue writes a key at start), removed after.
  const prefix = `l01_hardening_${randomBytes(4).toString('hex')}:`;

  afterAll(async () => {
    await api?.stop();
    await drop?.();
    await stopAll();
    const redis = new Redis(inject('redisUrl'));
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${api!.baseUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, headers: res.headers, body: await res.text() };
  };

  it('refuses the development tokens, accepts its keys, enforces the admin scope', async () => {
    const db = await sharedDatabase('l01_hardening');
    drop = db.drop;
    api = await startApi({
      NODE_ENV: 'production', DATABASE_URL: db.url, REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix,
      L01_API_KEY: STRONG, L01_ADMIN_API_KEY: ADMIN, LOG_LEVEL: 'trace',
    });
    for (const dev of ['test_token_123', 'dev_key_local_ONLY']) {
      const res = await call('GET', '/api/agents', dev);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await call('POST', '/api/agents', STRONG, { name: 'prod', agent_type: 't' })).status).toBe(201);
    expect((await call('GET', '/api/dead-letters', STRONG)).status).toBe(403);
    expect((await call('GET', '/api/dead-letters', ADMIN)).status).toBe(200);
    const res = await call('GET', '/api/agents', STRONG);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('never logs a token: accepted, refused, malformed and misplaced ones, through a graceful stop', async () => {
    expect(api, 'the process of the previous test').toBeDefined();
    for (const token of presented) {
      await call('GET', '/api/agents', token);
      await call('PATCH', '/api/agents/not-a-uuid', token, { name: token });
      await call('GET', `/nowhere?access_token=${token}`, token);
      await call('GET', `/api/agents?token=${token}`, token);
    }
    await fetch(`${api!.baseUrl}/api/agents`, { headers: { authorization: `Basic ${Buffer.from(`u:${STRONG}`).toString('base64')}` } });
    const exit = await api!.stop();
    expect(exit.code, api!.tail()).toBe(0);
    const output = api!.logs.map((l) => l.raw).join('\n');
    expect(api!.logs.length, 'trace logging produced lines to search').toBeGreaterThan(20);
    for (const token of presented) expect(output, 'a token in the logs').not.toContain(token);
    expect(output).not.toContain(Buffer.from(`u:${STRONG}`).toString('base64'));
    console.log(`[security] ${api!.logs.length} log lines of the production process searched for ${presented.length} tokens: none found`);
  });
});
