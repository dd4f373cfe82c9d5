/**
 * How a request may carry its key, as the original service read it (X-API-Key first, then
 * `Authorization: Bearer <key>` or a bare `Authorization: <key>`), on both surfaces; the
 * original's keys (L01_API_KEYS, L01_DEFAULT_API_KEY); L01_AUTH_DISABLED outside production
 * only; and CORS for the browser UI: preflights without a key, headers on refusals too.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildTestApp, useTestApp } from './helpers/app.js';

const KEY = randomBytes(20).toString('hex');
const DEFAULT_KEY = randomBytes(20).toString('hex');
const t = useTestApp({ L01_API_KEYS: KEY, L01_DEFAULT_API_KEY: DEFAULT_KEY });

const status = async (url: string, headers: Record<string, string>) => (await t.app.inject({ method: 'GET', url, headers })).statusCode;

describe('where the key is read', () => {
  for (const url of ['/api/agents', '/agents/']) {
    it(`${url}: X-API-Key, Bearer and a bare Authorization all work; either surface answers 401 without one`, async () => {
      expect(await status(url, { 'x-api-key': KEY })).toBe(200);
      expect(await status(url, { authorization: `Bearer ${KEY}` })).toBe(200);
      expect(await status(url, { authorization: KEY })).toBe(200);
      expect(await status(url, { 'x-api-key': DEFAULT_KEY })).toBe(200);
      expect(await status(url, {})).toBe(401);
      expect(await status(url, { authorization: `Basic ${KEY}` })).toBe(401);
      // The key named first is the one judged: a wrong X-API-Key is not rescued by a right bearer.
      expect(await status(url, { 'x-api-key': 'wrong', authorization: `Bearer ${KEY}` })).toBe(401);
    });
  }

  it("the original's routes answer refusals in the original's bodies; /api in problem details", async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/goals/' });
    expect(missing.json()).toMatchObject({ error: 'authentication_required', details: { supported_methods: ['X-API-Key', 'Authorization Bearer'] } });
    const wrong = await t.app.inject({ method: 'GET', url: '/goals/', headers: { 'x-api-key': 'not-a-key' } });
    expect(wrong.json()).toMatchObject({ error: 'invalid_api_key', message: 'Invalid API key provided' });
    expect(wrong.body).not.toContain('not-a-key');
    const api = await t.app.inject({ method: 'GET', url: '/api/goals' });
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('/, /health, /health/live and /health/ready are public', async () => {
    for (const url of ['/', '/health', '/health/live', '/health/ready']) expect(await status(url, {}), url).toBe(200);
  });
});

describe('L01_AUTH_DISABLED', () => {
  it('outside production: the normal routes need no key, the admin ones still do', async () => {
    const open = await buildTestApp(t.database.url, { L01_AUTH_DISABLED: 'true' });
    try {
      expect((await open.app.inject({ method: 'GET', url: '/agents/' })).statusCode).toBe(200);
      const created = await open.app.inject({ method: 'POST', url: '/api/agents', headers: { 'content-type': 'application/json' }, payload: { name: 'keyless', agent_type: 'x' } });
      expect(created.statusCode).toBe(201);
      const { rows } = await open.db.query<{ caller: string }>(`SELECT metadata->>'caller' AS caller FROM events WHERE entity_id = $1`, [created.json().id]);
      expect(rows[0]!.caller).toBe('anonymous');
      expect((await open.app.inject({ method: 'GET', url: '/api/dead-letters' })).statusCode).toBe(401);
    } finally {
      await open.close();
    }
  });

  it('is refused in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', L01_API_KEY: KEY, L01_AUTH_DISABLED: 'true' })).toThrow(/L01_AUTH_DISABLED/);
  });

  it("the original's default key is a development token: refused as a key in production", () => {
    expect(() => loadConfig({ NODE_ENV: 'production', L01_DEFAULT_API_KEY: 'dev_key_CHANGE_IN_PRODUCTION' })).toThrow(/weak or development key|at least 32/);
    expect(loadConfig({ NODE_ENV: 'test' }).tokens.map((k) => k.token)).toContain('dev_key_CHANGE_IN_PRODUCTION');
  });
});

describe('CORS for the browser UI', () => {
  const origin = 'http://localhost:3000';

  it('a preflight is answered without a key, echoing the origin, with credentials', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS', url: '/agents/',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.statusCode).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['access-control-allow-methods'])).toContain('PATCH');
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
  });

  it('answers, refusals included, carry the headers (the browser can read a 401)', async () => {
    for (const headers of [{ origin, 'x-api-key': KEY }, { origin }]) {
      const res = await t.app.inject({ method: 'GET', url: '/agents/', headers });
      expect(res.headers['access-control-allow-origin'], `status ${res.statusCode}`).toBe(origin);
    }
  });

  it('L01_CORS_ORIGINS narrows it to the listed origins', async () => {
    const narrow = await buildTestApp(t.database.url, { L01_API_KEYS: KEY, L01_CORS_ORIGINS: 'https://ui.example' });
    try {
      const allowed = await narrow.app.inject({ method: 'GET', url: '/agents/', headers: { origin: 'https://ui.example', 'x-api-key': KEY } });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://ui.example');
      const other = await narrow.app.inject({ method: 'GET', url: '/agents/', headers: { origin, 'x-api-key': KEY } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await narrow.close();
    }
  });
});

describe("the specification's own rule", () => {
  it('a blank (whitespace-only) agent name is a 400 on /api and a 422 on the original route', async () => {
    const api = await t.app.inject({ method: 'POST', url: '/api/agents', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, payload: { name: '   ', agent_type: 'x' } });
    expect(api.statusCode).toBe(400);
    expect(api.json().errors).toEqual([{ field: 'body.name', message: 'must not be blank' }]);
    const original = await t.app.inject({ method: 'POST', url: '/agents/', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, payload: { name: '\t ' } });
    expect(original.statusCode).toBe(422);
    expect(original.json().detail[0].loc).toEqual(['body', 'name']);
  });
});
