/**
 * Guessing credentials, against the real API process with its defaults:
 *
 * 1. 3,000 wrong bearer tokens from one address, 50 at a time. Before, all 3,000 got a
 *    401 in 0.4 s: a guess per 0.13 ms. Now the first L01_AUTH_FAILURE_MAX (20) get 401,
 *    then that address gets 429 with Retry-After until the window (60 s) ends. A key that
 *    already worked from there keeps working (valid callers are not locked out by a
 *    neighbour); any other key gets the same 429 as a wrong one (the lock is no oracle);
 *    other addresses are not affected. One stale token retried is not guessing: 401 each
 *    time, never locked.
 * 2. 3,000 wrong admin-login tokens (the login form): the same, per address.
 * 3. The other holes: `GET /admin/logout` is gone (logout is a POST), the public OpenAPI
 *    document lists no admin route, and outside production the default address is
 *    127.0.0.1 (production keeps 0.0.0.0).
 */
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { sharedRedisPrefix } from '../faults/support/processes.js';
import { sharedDatabase, stopAll, type Database } from '../faults/support/servers.js';
import { startDeployedApi, type DeployedApi } from './support/deployed-api.js';
import { send, tally, type Outcome } from './support/raw-http.js';

const USER_A = 'guessing-user-key-a-0123456789abcdef0123';
const USER_B = 'guessing-user-key-b-0123456789abcdef0123';
const ADMIN = 'guessing-admin-key-0123456789abcdef01234';
const GUESSES = 3000;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const redisKeys = sharedRedisPrefix('hardening_guessing');
let db: Database | undefined;
let api: DeployedApi | undefined;

beforeAll(async () => {
  db = await sharedDatabase('l01_hardening_guessing');
  api = await startDeployedApi({
    DATABASE_URL: db.url, REDIS_URL: inject('redisUrl'), ...redisKeys.env,
    L01_API_KEYS: `${USER_A},${USER_B}`, L01_ADMIN_API_KEY: ADMIN,
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await db?.drop();
  await stopAll();
  await redisKeys.cleanup(inject('redisUrl'));
});

const get = (path: string, headers: Record<string, string>, from = '127.0.0.1') =>
  send(undefined, api!.port, 'GET', path, undefined, headers, { localAddress: from });
const login = (token: string, from: string) =>
  send(undefined, api!.port, 'POST', '/admin/login', new URLSearchParams({ token, next: '/admin/dead-letters' }).toString(),
    { 'content-type': 'application/x-www-form-urlencoded' }, { localAddress: from });

/** `n` calls, `concurrency` at a time; the outcomes in the order they were started. */
async function flood(n: number, concurrency: number, call: (i: number) => Promise<Outcome>): Promise<{ outcomes: Outcome[]; ms: number }> {
  const outcomes: Outcome[] = new Array(n);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      outcomes[i] = await call(i);
    }
  }));
  return { outcomes, ms: performance.now() - t0 };
}

function expectLocked(outcomes: Outcome[], label: string, okStatus: number) {
  const by = tally(outcomes);
  expect(by, label).toEqual({ [okStatus]: 20, 429: outcomes.length - 20 });
  for (const o of outcomes.filter((x) => x.status === 429)) {
    const retryAfter = Number(o.retryAfter);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${label}: Retry-After ${o.retryAfter}`).toBe(true);
  }
  return by;
}

describe('failed credentials are limited per address', () => {
  it(`${GUESSES} wrong bearer tokens: 20 × 401, then 429 + Retry-After; a key already used from there keeps working, others are no oracle`, async () => {
    expect((await get('/api/agents?limit=1', bearer(USER_A))).status, 'USER_A works from 127.0.0.1 before the guessing').toBe(200);
    const { outcomes, ms } = await flood(GUESSES, 50, (i) => get('/api/agents?limit=1', bearer(`wrong-token-${i}-0123456789abcdef0123456789`)));
    const by = expectLocked(outcomes, 'wrong bearer tokens', 401);
    const refused = outcomes.find((o) => o.status === 429)!;
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(refused.body!)).toMatchObject({ status: 429, title: 'Too Many Requests' });

    const during = {
      knownKey: (await get('/api/agents?limit=1', bearer(USER_A))).status,
      otherValidKey: (await get('/api/agents?limit=1', bearer(USER_B))).status,
      wrongKey: (await get('/api/agents?limit=1', bearer('yet-another-guess'))).status,
      apiKeyHeader: (await get('/api/agents?limit=1', { 'x-api-key': 'guess-by-x-api-key' })).status,
      health: (await get('/health/live', {})).status,
      otherAddressValid: (await get('/api/agents?limit=1', bearer(USER_B), '127.0.0.2')).status,
      otherAddressWrong: (await get('/api/agents?limit=1', bearer('a-wrong-one'), '127.0.0.2')).status,
    };
    console.log(`[guessing] ${GUESSES} wrong bearer tokens from 127.0.0.1 in ${(ms / 1000).toFixed(1)} s: ${JSON.stringify(by)}; ` +
      `while locked: ${JSON.stringify(during)}`);
    expect(during).toEqual({
      knownKey: 200, otherValidKey: 429, wrongKey: 429, apiKeyHeader: 429, health: 200, otherAddressValid: 200, otherAddressWrong: 401,
    });
  }, 60_000);

  it('one stale token retried 500 times from an address: 401 every time (counted once), the address never locked', async () => {
    const from = '127.0.0.6';
    const { outcomes } = await flood(500, 20, () => get('/api/agents?limit=1', bearer('a-stale-key-from-last-year-0123456789'), from));
    const after = (await get('/api/agents?limit=1', bearer(USER_B), from)).status;
    console.log(`[guessing] one stale token × 500 from ${from}: ${JSON.stringify(tally(outcomes))}; then a valid key from there: ${after}`);
    expect(tally(outcomes)).toEqual({ 401: 500 });
    expect(after).toBe(200);
  });

  it(`${GUESSES} wrong admin-login tokens: 20 × 401, then 429 + Retry-After; other addresses log in`, async () => {
    const from = '127.0.0.3';
    const { outcomes, ms } = await flood(GUESSES, 50, (i) => login(`wrong-admin-${i}`, from));
    const by = expectLocked(outcomes, 'wrong admin logins', 401);
    const during = {
      rightTokenSameAddress: (await login(ADMIN, from)).status,
      rightTokenOtherAddress: (await login(ADMIN, '127.0.0.4')).status,
    };
    console.log(`[guessing] ${GUESSES} wrong admin logins from ${from} in ${(ms / 1000).toFixed(1)} s: ${JSON.stringify(by)}; while locked: ${JSON.stringify(during)}`);
    expect(during).toEqual({ rightTokenSameAddress: 429, rightTokenOtherAddress: 303 });
  }, 60_000);
});

describe('the other holes', () => {
  it('GET /admin/logout is gone; POST /admin/logout clears the session', async () => {
    const cookie = (await login(ADMIN, '127.0.0.5'));
    expect(cookie.status).toBe(303);
    expect((await get('/admin/logout', {}, '127.0.0.5')).status).toBe(404);
    const out = await send(undefined, api!.port, 'POST', '/admin/logout', '', {}, { localAddress: '127.0.0.5' });
    expect(out.status).toBe(303);
  });

  it('the public OpenAPI document (/docs/json, /docs/yaml) lists only what a normal key can call', async () => {
    const res = await fetch(`${api!.baseUrl}/docs/json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { 'x-required-scope'?: string }>> };
    const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, scope: op['x-required-scope'] })));
    const scopes: Record<string, number> = {};
    for (const o of ops) scopes[o.scope ?? 'open'] = (scopes[o.scope ?? 'open'] ?? 0) + 1;
    console.log(`[guessing] /docs/json: ${ops.length} operations, by scope ${JSON.stringify(scopes)}`);
    expect(ops.filter((o) => o.scope !== undefined && o.scope !== 'user')).toEqual([]);
    expect(Object.keys(doc.paths).filter((p) => /dead-letters|^\/admin|^\/metrics/.test(p))).toEqual([]);
    expect(ops.length).toBeGreaterThan(100);
    const yaml = await fetch(`${api!.baseUrl}/docs/yaml`);
    expect(yaml.headers.get('content-type')).toMatch(/yaml/);
    expect(JSON.parse(await yaml.text())).toEqual(doc);
  });

  it('outside production the default address is 127.0.0.1; production keeps 0.0.0.0', async () => {
    expect(loadConfig({ NODE_ENV: 'development' }).L01_HOST).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'test' }).L01_HOST).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', L01_API_KEY: USER_A }).L01_HOST).toBe('0.0.0.0');
    expect(loadConfig({ NODE_ENV: 'development', L01_HOST: '0.0.0.0' }).L01_HOST).toBe('0.0.0.0');
    // The real process, L01_HOST unset: reachable on loopback, not on the machine's other addresses.
    const local = await startDeployedApi({ DATABASE_URL: db!.url, REDIS_URL: inject('redisUrl'), ...redisKeys.env }, { noHost: true });
    try {
      const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      const onLoopback = await fetch(`http://127.0.0.1:${local.port}/health/live`).then((r) => r.status);
      const onExternal = external
        ? await fetch(`http://${external}:${local.port}/health/live`, { signal: AbortSignal.timeout(3000) }).then((r) => String(r.status), (e: Error) => (e.cause as NodeJS.ErrnoException)?.code ?? e.message)
        : 'no other address on this machine';
      console.log(`[guessing] L01_HOST unset, NODE_ENV=test: 127.0.0.1 → ${onLoopback}; ${external ?? '(none)'} → ${onExternal}`);
      expect(onLoopback).toBe(200);
      if (external) expect(onExternal).toBe('ECONNREFUSED');
    } finally {
      await local.stop();
    }
  }, 60_000);
});
