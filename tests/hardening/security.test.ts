/**
 * Security policy, in process: constant-time token comparison, scopes in the OpenAPI
 * document and admin refusals, rate limiting per caller (429 problem details with
 * Retry-After; X-Forwarded-For believed only from a configured proxy), security headers
 * that keep the docs page working, and the body limit / JSON-only rules.
 * The production-mode refusals and the token-free logs are checked on the real process
 * (security-process.test.ts).
 */
import { createHash } from 'node:crypto';
import * as crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuth } from '../../src/api/auth/index.js';
import { rateLimitKey } from '../../src/api/plugins/rate-limit.js';
import { DEVELOPMENT_TOKENS } from '../../src/config.js';
import { buildTestApp, useTestApp, type TestApp } from '../helpers/app.js';
import { callerId, expectProblem } from '../helpers/http.js';
import { loadOperations, type Operation } from './support/openapi.js';

// Every call of timingSafeEqual made by the app's modules goes through this spy.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const USER_KEYS = ['user-key-one-0123456789abcdef0123456789', 'user-key-two-0123456789abcdef0123456789'];
const ADMIN_KEY = 'admin-key-0123456789abcdef0123456789abcdef';
const t = useTestApp({ L01_API_KEYS: USER_KEYS.join(','), L01_ADMIN_API_KEY: ADMIN_KEY });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sha256 = (s: string) => createHash('sha256').update(s).digest();

let ops: Operation[] = [];
beforeAll(async () => {
  ops = await loadOperations(t.app);
});

describe('constant-time token comparison', () => {
  const spy = vi.mocked(crypto.timingSafeEqual);
  /** Configured tokens, the development ones included (NODE_ENV=test). */
  const configured = () => USER_KEYS.length + 1 + DEVELOPMENT_TOKENS.length;

  it.each([
    ['the first configured key', USER_KEYS[0]!],
    ['the admin key', ADMIN_KEY],
    ['a wrong token', 'not-a-key-at-all'],
    ['a prefix of a key', USER_KEYS[0]!.slice(0, 10)],
  ])('%s: SHA-256 digests compared with timingSafeEqual, once against every configured token', async (_label, token) => {
    spy.mockClear();
    await t.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(token) });
    // Once per token per request: the rate limiter and the scope check share the answer.
    expect(spy).toHaveBeenCalledTimes(configured());
    const presented = sha256(token);
    const compared = new Set<string>();
    for (const [a, b] of spy.mock.calls) {
      expect(Buffer.isBuffer(a) && Buffer.isBuffer(b)).toBe(true);
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
      expect((a as Buffer).equals(presented), 'the presented token is hashed first').toBe(true);
      compared.add((b as Buffer).toString('hex'));
    }
    const expected = [...USER_KEYS, ADMIN_KEY, ...DEVELOPMENT_TOKENS].map((k) => sha256(k).toString('hex'));
    expect([...compared].sort()).toEqual(expected.sort());
  });
});

describe('scopes', () => {
  it('every /api operation carries x-required-scope (user or admin) and the bearer security scheme', () => {
    const api = ops.filter((op) => op.path.startsWith('/api/'));
    expect(api.length).toBeGreaterThan(100);
    for (const op of api) expect(['user', 'admin'], `${op.method} ${op.path}`).toContain(op.scope);
  });

  it('the operator routes (dead letters: list, show, retry, discard) need admin; a normal key gets 403, the admin key passes', async () => {
    const admin = ops.filter((op) => op.scope === 'admin');
    expect(admin.map((op) => `${op.method} ${op.path}`).sort()).toEqual(expect.arrayContaining([
      'DELETE /api/dead-letters/{id}', 'GET /api/dead-letters', 'GET /api/dead-letters/{id}', 'POST /api/dead-letters/retry', 'POST /api/dead-letters/{id}/retry',
    ]));
    for (const op of admin) {
      const url = op.path.replace(/\{\w+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const key of USER_KEYS) expectProblem(await t.app.inject({ method: op.method, url, headers: bearer(key) }), 403);
      const res = await t.app.inject({ method: op.method, url, headers: bearer(ADMIN_KEY) });
      expect([401, 403], `${op.method} ${op.path} with the admin key: ${res.body}`).not.toContain(res.statusCode);
    }
  });
});

describe('rate limiting (L01_RATE_LIMIT_MAX=5 per minute)', () => {
  const LIMIT = 5;
  let limited: TestApp;
  let proxied: TestApp;
  beforeAll(async () => {
    const env = { L01_API_KEYS: USER_KEYS.join(','), L01_RATE_LIMIT_MAX: String(LIMIT), L01_RATE_LIMIT_WINDOW_MS: '60000' };
    [limited, proxied] = await Promise.all([
      buildTestApp(t.database.url, env),
      buildTestApp(t.database.url, { ...env, L01_TRUST_PROXY: '127.0.0.1' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([limited?.close(), proxied?.close()]);
  });

  const get = (app: FastifyInstance, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'GET', url: '/api/agents?limit=1', headers, remoteAddress });

  it('the request over the limit gets 429 problem details with Retry-After; another token has its own budget', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await get(limited.app, bearer(USER_KEYS[0]!))).statusCode).toBe(200);
    const refused = await get(limited.app, bearer(USER_KEYS[0]!));
    expectProblem(refused, 429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${refused.headers['retry-after']}`).toBe(true);
    expect(refused.headers['x-ratelimit-limit']).toBe(String(LIMIT));
    // Same client IP, another token: not affected.
    expect((await get(limited.app, bearer(USER_KEYS[1]!))).statusCode).toBe(200);
    // Health probes are never throttled.
    expect((await limited.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('a token keeps one budget wherever it comes from (keyed by its digest id, not its IP)', async () => {
    // USER_KEYS[1] used 1 so far, from 127.0.0.1; the rest from other addresses.
    for (let i = 0; i < LIMIT - 1; i++) expect((await get(limited.app, bearer(USER_KEYS[1]!), `10.0.0.${i + 1}`)).statusCode).toBe(200);
    expectProblem(await get(limited.app, bearer(USER_KEYS[1]!), '10.0.9.9'), 429);
  });

  it('wrong tokens count against the IP: guessing fresh tokens buys no fresh budget', async () => {
    const from = '192.0.2.10';
    for (let i = 0; i < LIMIT; i++) expect((await get(limited.app, bearer(`guess-${i}`), from)).statusCode).toBe(401);
    expectProblem(await get(limited.app, bearer('guess-next'), from), 429);
    expectProblem(await get(limited.app, {}, from), 429);
  });

  it('X-Forwarded-For is ignored without a trusted proxy: a client cannot pick a fresh IP', async () => {
    const from = '192.0.2.20';
    for (let i = 0; i < LIMIT; i++) await get(limited.app, { 'x-forwarded-for': `203.0.113.${i}` }, from);
    expectProblem(await get(limited.app, { 'x-forwarded-for': '203.0.113.200' }, from), 429);
  });

  it('with L01_TRUST_PROXY, the client IP comes from X-Forwarded-For sent by that proxy only', async () => {
    // Through the trusted proxy (127.0.0.1): each forwarded client has its own budget.
    for (let i = 0; i < LIMIT; i++) await get(proxied.app, { 'x-forwarded-for': '198.51.100.1' });
    expectProblem(await get(proxied.app, { 'x-forwarded-for': '198.51.100.1' }), 429);
    expect((await get(proxied.app, { 'x-forwarded-for': '198.51.100.2' })).statusCode).toBe(401);
    // From an address that is not the proxy, the header is not believed.
    for (let i = 0; i < LIMIT; i++) await get(proxied.app, { 'x-forwarded-for': `198.51.100.${50 + i}` }, '192.0.2.30');
    expectProblem(await get(proxied.app, { 'x-forwarded-for': '198.51.100.99' }, '192.0.2.30'), 429);
  });

  it('the bucket key is derived from the token digest, never the token itself', async () => {
    const { identify } = createAuth({ tokens: [{ token: USER_KEYS[0]!, scope: 'user' }] });
    const req = (authorization?: string) => ({ headers: { authorization }, ip: '::ffff:192.0.2.1' }) as never;
    const key = await rateLimitKey(req(`Bearer ${USER_KEYS[0]}`), identify);
    expect(key).toBe(`caller:${callerId(USER_KEYS[0]!)}`);
    expect(key).not.toContain(USER_KEYS[0]!.slice(0, 8));
    expect(await rateLimitKey(req('Bearer wrong'), identify)).toBe('ip:192.0.2.1');
  });
});

describe('security headers', () => {
  it('every response carries them, errors included', async () => {
    for (const res of [
      await t.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(USER_KEYS[0]!) }),
      await t.app.inject({ method: 'GET', url: '/api/agents' }),
      await t.app.inject({ method: 'GET', url: '/nowhere' }),
    ]) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': expect.stringMatching(/max-age=\d+/),
        'cross-origin-resource-policy': 'same-origin',
        'content-security-policy': expect.stringContaining("default-src 'self'"),
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('the docs page still works under its CSP: same-origin scripts only, none inline, every asset loads', async () => {
    const redirect = await t.app.inject({ method: 'GET', url: '/docs' });
    const url = redirect.statusCode === 302 ? new URL(String(redirect.headers.location), 'http://x/docs/').pathname : '/docs';
    const page = await t.app.inject({ method: 'GET', url });
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('upgrade-insecure-requests');
    const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((a) => !a.startsWith('#'));
    for (const [, attrs, inline] of scripts) {
      expect(attrs, 'scripts load from a src').toMatch(/src="/);
      expect(inline!.trim(), 'no inline script').toBe('');
    }
    for (const asset of assets) {
      expect(asset, 'same origin').not.toMatch(/^(https?:)?\/\//);
      const res = await t.app.inject({ method: 'GET', url: new URL(asset, `http://x${url}`).pathname });
      expect(res.statusCode, asset).toBe(200);
    }
    expect((await t.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
  });
});

describe('request bodies (L01_BODY_LIMIT=2048)', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await buildTestApp(t.database.url, { L01_BODY_LIMIT: '2048' });
  });
  afterAll(async () => {
    await small?.close();
  });
  const post = (payload: string, contentType = 'application/json') =>
    small.app.inject({ method: 'POST', url: '/api/agents', headers: { ...bearer('test_token_123'), 'content-type': contentType }, payload });

  it('over the configured limit → 413; at the limit → accepted', async () => {
    const body = (n: number) => {
      const base = JSON.stringify({ name: '', agent_type: 't' });
      return JSON.stringify({ name: 'x'.repeat(n - base.length), agent_type: 't' });
    };
    expectProblem(await post(body(2049)), 413);
    // 2048 bytes of body, with a name over its 255 characters: parsed, then refused by validation.
    expectProblem(await post(body(2048)), 400, 'body.name');
  });

  it('JSON only: anything else → 415', async () => {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      expectProblem(await post('{"name":"a","agent_type":"b"}', ct), 415);
    }
  });
});
