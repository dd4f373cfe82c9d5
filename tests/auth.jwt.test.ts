/**
 * JWT bearer tokens against a local JWKS server: what is verified (signature, alg, iss,
 * aud, exp, nbf), what a token's scopes open (per table and operation, on /api and on the
 * original's routes; admin), who its events record, the issuer rotating its keys, and the
 * key set being unreachable (503, not the caller's fault).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { buildTestApp, useTestApp, type TestApp } from './helpers/app.js';
import { expectProblem } from './helpers/http.js';
import { AUDIENCE, ISSUER, jwksServer, jwtEnv, mint, signingKey, unsecured, type JwksServer, type SigningKey } from './helpers/jwks.js';

const key = await signingKey('key-1');
const stranger = await signingKey('key-1');
const issuer = await jwksServer([key]);
const t = useTestApp(jwtEnv(issuer.url));
afterAll(() => issuer.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (url: string, token: string) => t.app.inject({ method: 'GET', url, headers: bearer(token) });
const post = (url: string, token: string, payload: unknown, app = t.app) =>
  app.inject({ method: 'POST', url, headers: { ...bearer(token), 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const agent = () => ({ name: `agent-${randomUUID()}`, agent_type: 'reasoning' });

function expectRefused(res: LightMyRequestResponse, detail: string) {
  const body = expectProblem(res, 401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  expect(body.detail).toBe(detail);
  // Says which check failed, never what was expected.
  expect(res.body).not.toContain(AUDIENCE);
  expect(res.body).not.toContain(ISSUER);
}

describe('a valid token', () => {
  it('is accepted, and the events of its writes record jwt:<sub> as the caller', async () => {
    const token = await mint(key, 'svc-planner', 'agents:write');
    const created = await post('/api/agents', token, agent());
    expect(created.statusCode, created.body).toBe(201);
    const { rows } = await t.db.query<{ caller: string }>(`SELECT metadata->>'caller' AS caller FROM events WHERE entity_id = $1`, [created.json().id]);
    expect(rows).toEqual([{ caller: 'jwt:svc-planner' }]);
    const admin = await mint(key, 'ops', 'admin');
    const log = await get(`/api/events?entity_id=${created.json().id}`, admin);
    expect(log.json()[0].metadata.caller).toBe('jwt:svc-planner');
  });

  it('works through X-API-Key and on the original routes too', async () => {
    const token = await mint(key, 'svc-ui', 'agents:read');
    expect((await t.app.inject({ method: 'GET', url: '/api/agents', headers: { 'x-api-key': token } })).statusCode).toBe(200);
    expect((await get('/agents/', token)).statusCode).toBe(200);
  });

  it('a static key works beside JWT, as before', async () => {
    expect((await get('/api/agents', 'test_token_123')).statusCode).toBe(200);
  });
});

describe('a token that fails verification is a 401 saying which check', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('wrong audience', async () => {
    expectRefused(await get('/api/agents', await mint(key, 's', '*:read', { claims: { aud: 'another-api' } })), 'token audience not accepted');
  });

  it('wrong issuer', async () => {
    expectRefused(await get('/api/agents', await mint(key, 's', '*:read', { claims: { iss: 'https://elsewhere.test' } })), 'token issuer not accepted');
  });

  it('expired (beyond the clock tolerance), or without exp', async () => {
    expectRefused(await get('/api/agents', await mint(key, 's', '*:read', { claims: { exp: now() - 120 } })), 'token expired');
    expectRefused(await get('/api/agents', await mint(key, 's', '*:read', { claims: { exp: undefined } })), 'token has no exp claim');
  });

  it('within the clock tolerance (30 s) an expired token still passes', async () => {
    expect((await get('/api/agents', await mint(key, 's', '*:read', { claims: { exp: now() - 5 } }))).statusCode).toBe(200);
  });

  it('not yet valid', async () => {
    expectRefused(await get('/api/agents', await mint(key, 's', '*:read', { claims: { nbf: now() + 120 } })), 'token not yet valid');
  });

  it('a bad signature: a key that is not the issuer\'s, under its kid', async () => {
    expectRefused(await get('/api/agents', await mint(stranger, 's', '*:read')), 'token signature not verified by any key of the issuer');
    const valid = await mint(key, 's', '*:read');
    const [header, payload] = valid.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), scope: 'admin' })).toString('base64url')}.${valid.split('.')[2]}`;
    expectRefused(await get('/api/dead-letters', tampered), 'token signature not verified by any key of the issuer');
  });

  it('alg none, and HS256 (a shared secret: never accepted)', async () => {
    expectRefused(await get('/api/agents', unsecured('s', 'admin')), 'token algorithm not accepted');
    const { SignJWT } = await import('jose');
    const hs = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 's', scope: 'admin' }).setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setExpirationTime('5m').sign(new TextEncoder().encode('a-shared-secret-of-some-length-0123456789'));
    expectRefused(await get('/api/agents', hs), 'token algorithm not accepted');
  });

  it('without sub', async () => {
    expectRefused(await get('/api/agents', await mint(key, 's', '*:read', { claims: { sub: undefined } })), 'token has no sub claim');
  });

  it('not a JWT at all: the static keys\' answer', async () => {
    expectRefused(await get('/api/agents', 'eyJhbGciOi.not-a-jwt.x'), 'invalid token');
  });

  it("the original's routes answer in their shape, saying why", async () => {
    const res = await get('/agents/', await mint(key, 's', '*:read', { claims: { exp: now() - 120 } }));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'invalid_api_key', message: 'token expired', details: { key_prefix: '***' } });
  });
});

describe('scopes: per table and operation', () => {
  it('a read scope: GET answers, a write is 403', async () => {
    const token = await mint(key, 'reader', 'agents:read');
    expect((await get('/api/agents', token)).statusCode).toBe(200);
    const refused = expectProblem(await post('/api/agents', token, agent()), 403);
    expect(refused.detail).toContain('agents:write');
    expect((await t.app.inject({ method: 'HEAD', url: '/api/agents', headers: bearer(token) })).statusCode).toBe(200);
  });

  it('a scope for another table: 403 on this one', async () => {
    const token = await mint(key, 'goals-only', 'goals:read goals:write');
    expect((await get('/api/goals', token)).statusCode).toBe(200);
    expectProblem(await get('/api/agents', token), 403);
    expectProblem(await post('/api/agents', token, agent()), 403);
  });

  it('write includes read; the scp array works as the scope string', async () => {
    const token = await mint(key, 'writer', '', { claims: { scope: undefined, scp: ['agents:write'] } });
    const created = await post('/api/agents', token, agent());
    expect(created.statusCode).toBe(201);
    expect((await get(`/api/agents/${created.json().id}`, token)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'PATCH', url: `/api/agents/${created.json().id}`, headers: { ...bearer(token), 'content-type': 'application/json' }, payload: '{"status":"inactive"}' })).statusCode).toBe(200);
  });

  it('the same on the original routes, in their error shape', async () => {
    const token = await mint(key, 'reader', 'agents:read');
    expect((await get('/agents/', token)).statusCode).toBe(200);
    const refused = await post('/agents/', token, { name: 'x' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ detail: expect.stringContaining('agents:write') });
    expect((await get('/goals/', token)).statusCode).toBe(403);
  });

  it("a write that creates a row of another table needs that table too (the original's tool executions name their tool)", async () => {
    const body = { invocation_id: `inv-${randomUUID()}`, tool_name: `tool-${randomUUID()}` };
    const executions = await mint(key, 'l03', 'tool_executions:write');
    expect((await post('/tools/tool-executions', executions, body)).statusCode).toBe(403);
    const both = await mint(key, 'l03', 'tool_executions:write tools:write');
    expect((await post('/tools/tool-executions', both, body)).statusCode).toBe(201);
    // The tool exists now: an execution naming it needs no tools:write.
    expect((await post('/tools/tool-executions', executions, { ...body, invocation_id: `inv-${randomUUID()}` })).statusCode).toBe(201);
  });

  it('atomic commands: each command needs write on its own entity, checked before anything is written', async () => {
    const name = `agent-${randomUUID()}`;
    const commands = { commands: [
      { op: 'create', entity: 'agents', data: { name, agent_type: 'reasoning' } },
      { op: 'create', entity: 'goals', data: { description: 'needs goals:write' } },
    ] };
    const agentsOnly = await mint(key, 'planner', 'agents:write');
    const refused = expectProblem(await post('/api/commands', agentsOnly, commands), 403);
    expect(refused.detail).toContain('commands[1]');
    expect(refused.detail).toContain('goals:write');
    const { rows } = await t.db.query('SELECT 1 FROM agents WHERE name = $1', [name]);
    expect(rows).toEqual([]);
    const both = await mint(key, 'planner', 'agents:write goals:write');
    const done = await post('/api/commands', both, { commands: [commands.commands[0]] });
    expect(done.statusCode, done.body).toBe(200);
  });

  it('an Idempotency-Key replay of commands is checked against the scopes of the token that replays it', async () => {
    const body = JSON.stringify({ commands: [{ op: 'create', entity: 'goals', data: { description: `goal-${randomUUID()}` } }] });
    const send = async (token: string) => t.app.inject({
      method: 'POST', url: '/api/commands', payload: body,
      headers: { ...bearer(token), 'content-type': 'application/json', 'idempotency-key': 'replay-scopes-1' },
    });
    expect((await send(await mint(key, 'same-sub', 'goals:write'))).statusCode).toBe(200);
    // Same caller (jwt:same-sub), narrower token: no stored answer for it.
    const narrowed = await send(await mint(key, 'same-sub', 'goals:read'));
    expect(expectProblem(narrowed, 403).detail).toContain('commands[0]');
    expect(narrowed.headers['idempotent-replayed']).toBeUndefined();
    expect((await send(await mint(key, 'same-sub', 'goals:write'))).headers['idempotent-replayed']).toBe('true');
  });

  it('routes spanning tables: the event log needs events:read or *:read', async () => {
    expectProblem(await get('/api/events', await mint(key, 's', 'agents:read')), 403);
    expect((await get('/api/events', await mint(key, 's', 'events:read'))).statusCode).toBe(200);
    expect((await get('/api/events', await mint(key, 's', '*:read'))).statusCode).toBe(200);
    expect((await get('/events', await mint(key, 's', '*:read'))).statusCode).toBe(200);
  });

  it('admin reaches the operator routes; table scopes do not', async () => {
    expect((await get('/api/dead-letters', await mint(key, 'ops', 'admin'))).statusCode).toBe(200);
    expectProblem(await get('/api/dead-letters', await mint(key, 's', '*:read *:write')), 403);
    expect((await get('/admin/dead-letters', await mint(key, 'ops', 'admin'))).statusCode).toBe(200);
    expectProblem(await get('/admin/dead-letters', await mint(key, 's', '*:read *:write')), 403);
  });

  it('no scope of ours: 403; only metrics: /metrics and no key elsewhere', async () => {
    expectProblem(await get('/api/agents', await mint(key, 's', 'openid profile')), 403);
    const metrics = await mint(key, 'prometheus', 'metrics');
    expect((await get('/metrics', metrics)).statusCode).toBe(200);
    expectProblem(await get('/api/agents', metrics), 401);
  });
});

describe('key rotation at the issuer', () => {
  let rotating: JwksServer;
  let app: TestApp;
  let next: SigningKey;
  beforeAll(async () => {
    rotating = await jwksServer([key]);
    next = await signingKey('key-2');
    app = await buildTestApp(t.database.url, jwtEnv(rotating.url));
  });
  afterAll(async () => {
    await app?.close();
    await rotating?.close();
  });

  it('a new kid is fetched on first sight; the removed key stops working once the set is fetched again', async () => {
    const call = async (token: string) => (await app.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(token) })).statusCode;
    const old = await mint(key, 'svc', 'agents:read');
    expect(await call(old)).toBe(200);
    expect(rotating.fetches).toBe(1);
    expect(await call(old)).toBe(200);
    expect(rotating.fetches).toBe(1); // cached

    rotating.publish([next]);
    const fresh = await mint(next, 'svc', 'agents:read');
    expect(await call(fresh)).toBe(200); // unknown kid: fetched again
    expect(rotating.fetches).toBe(2);
    expect(await call(old)).toBe(401);
    expect(await call(fresh)).toBe(200);
  });
});

describe('the key set unreachable', () => {
  it('is a 503 with Retry-After, not a 401, and not a failed credential; static keys keep working', async () => {
    const gone = await jwksServer([key]);
    const url = gone.url;
    await gone.close();
    const app = await buildTestApp(t.database.url, { ...jwtEnv(url), L01_AUTH_FAILURE_MAX: '2' });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await app.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(await mint(key, `s${i}`, '*:read')) });
        const body = expectProblem(res, 503);
        expect(res.headers['retry-after']).toBe('1');
        expect(body.detail).not.toContain('127.0.0.1');
      }
      expect((await app.app.inject({ method: 'GET', url: '/api/agents', headers: bearer('test_token_123') })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('the issuer down after its key set was fetched', () => {
  const status = async (app: TestApp, token: string) => (await app.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(token) })).statusCode;

  it('the set fetched last goes on verifying without waiting on the issuer; the first fetch that succeeds ends that', async () => {
    const down = await jwksServer([key]);
    const next = await signingKey('key-3');
    const app = await buildTestApp(t.database.url, { ...jwtEnv(down.url), L01_JWT_JWKS_CACHE_MS: '100' });
    try {
      const old = await mint(key, 'svc', 'agents:read');
      expect(await status(app, old)).toBe(200);
      down.fail(true);
      await sleep(150); // the cache has expired: the next token fetches the set, and that fails
      expect(await status(app, old)).toBe(200);
      const asked = down.fetches;
      const started = Date.now();
      for (let i = 0; i < 20; i++) expect(await status(app, old)).toBe(200);
      // Asked again in the background, at most once a second, not by every request.
      expect(down.fetches - asked).toBeLessThanOrEqual(1 + Math.floor((Date.now() - started) / 1000));
      // A kid the old set lacks may be a key the issuer added since: its outage, not a bad credential.
      const newer = await mint(next, 'svc', 'agents:read');
      expect(await status(app, newer)).toBe(503);

      // Back, and key-1 removed meanwhile: refused once a fetch has succeeded.
      down.publish([next]);
      down.fail(false);
      for (const deadline = Date.now() + 5000; (await status(app, old)) !== 401; await sleep(50)) {
        expect(Date.now() < deadline, 'the old key refused after the issuer came back').toBe(true);
      }
      expect(await status(app, newer)).toBe(200);
    } finally {
      await app.close();
      await down.close();
    }
  });

  it('older than L01_JWT_JWKS_MAX_STALE_MS, the set verifies nothing: 503', async () => {
    const down = await jwksServer([key]);
    const app = await buildTestApp(t.database.url, { ...jwtEnv(down.url), L01_JWT_JWKS_CACHE_MS: '100', L01_JWT_JWKS_MAX_STALE_MS: '1000' });
    try {
      const token = await mint(key, 'svc', 'agents:read');
      expect(await status(app, token)).toBe(200);
      const fetchedBy = Date.now();
      down.fail(true);
      await sleep(150);
      expect(await status(app, token)).toBe(200);
      await sleep(fetchedBy + 1050 - Date.now());
      expect(await status(app, token)).toBe(503);
    } finally {
      await app.close();
      await down.close();
    }
  });
});

describe('failed JWTs count as failed credentials', () => {
  it('past L01_AUTH_FAILURE_MAX different bad tokens from one address, 429', async () => {
    const app = await buildTestApp(t.database.url, { ...jwtEnv(issuer.url), L01_AUTH_FAILURE_MAX: '2' });
    try {
      const call = async (token: string) => app.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(token) });
      for (const sub of ['a', 'b']) expect((await call(await mint(key, sub, '*:read', { claims: { aud: 'x' } }))).statusCode).toBe(401);
      expectProblem(await call(await mint(key, 'c', '*:read')), 429);
    } finally {
      await app.close();
    }
  });
});

describe('a static key set (L01_JWT_JWKS)', () => {
  it('verifies tokens without fetching anything', async () => {
    const app = await buildTestApp(t.database.url, { L01_JWT_JWKS: JSON.stringify({ keys: [key.jwk] }), L01_JWT_ISSUER: ISSUER, L01_JWT_AUDIENCE: `other,${AUDIENCE}` });
    try {
      const res = await app.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(await mint(key, 's', 'agents:read')) });
      expect(res.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('configuration', () => {
  const jwks = JSON.stringify({ keys: [key.jwk] });
  const load = (env: NodeJS.ProcessEnv) => () => loadConfig({ NODE_ENV: 'test', ...env });

  it('JWT needs an issuer and an audience, and one key set', () => {
    expect(load({ L01_JWT_JWKS: jwks, L01_JWT_AUDIENCE: AUDIENCE })).toThrow(/L01_JWT_ISSUER is required/);
    expect(load({ L01_JWT_JWKS: jwks, L01_JWT_ISSUER: ISSUER })).toThrow(/L01_JWT_AUDIENCE is required/);
    expect(load({ L01_JWT_ISSUER: ISSUER, L01_JWT_AUDIENCE: AUDIENCE })).toThrow(/need a key set/);
    expect(load({ L01_JWT_JWKS: jwks, L01_JWT_JWKS_URL: issuer.url, L01_JWT_ISSUER: ISSUER, L01_JWT_AUDIENCE: AUDIENCE })).toThrow(/give one of/);
  });

  it('only asymmetric algorithms; only public keys', async () => {
    const base = { L01_JWT_JWKS: jwks, L01_JWT_ISSUER: ISSUER, L01_JWT_AUDIENCE: AUDIENCE };
    for (const alg of ['none', 'HS256', 'RS256,HS512']) expect(load({ ...base, L01_JWT_ALGORITHMS: alg })).toThrow(ConfigError);
    const { exportJWK } = await import('jose');
    const priv = JSON.stringify({ keys: [await exportJWK(key.privateKey)] });
    expect(load({ ...base, L01_JWT_JWKS: priv })).toThrow(/public keys only/);
    expect(load({ ...base, L01_JWT_JWKS: '{"keys":[]}' })).toThrow(/at least one key/);
  });

  it('in production: an https key set URL (or loopback), and JWT alone is enough', () => {
    const env = { NODE_ENV: 'production', L01_JWT_ISSUER: ISSUER, L01_JWT_AUDIENCE: AUDIENCE };
    expect(() => loadConfig({ ...env, L01_JWT_JWKS_URL: 'http://idp.example/jwks' })).toThrow(/https/);
    expect(loadConfig({ ...env, L01_JWT_JWKS_URL: 'https://idp.example/jwks' }).jwt).toMatchObject({ issuer: ISSUER, audience: [AUDIENCE] });
    expect(loadConfig({ ...env, L01_JWT_JWKS_URL: issuer.url }).tokens).toEqual([]);
  });
});
