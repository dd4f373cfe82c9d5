/**
 * Static keys with ids and expiries (L01_KEYS, L01_KEYS_FILE), for rotating a key without
 * a gap: the old and the new one valid at once, each recorded by its id in the events it
 * writes; an expired one refused; the production rules on each of them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyStore, sessions } from '../src/api/auth/index.js';
import { loadConfig } from '../src/config.js';
import { buildTestApp, useTestApp } from './helpers/app.js';
import { expectProblem } from './helpers/http.js';

const secret = () => randomBytes(24).toString('hex');
const OLD = secret();
const NEW = secret();
const EXPIRED = secret();
const ADMIN = secret();
const FROM_FILE = secret();
const dir = mkdtempSync(join(tmpdir(), 'l01-keys-'));
const file = join(dir, 'keys.json');
writeFileSync(file, JSON.stringify([{ id: 'from-file', token: FROM_FILE }]));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const t = useTestApp({
  L01_KEYS: JSON.stringify([
    { id: 'ci-2026-11', token: OLD, scope: 'user', expires: '2099-01-01T00:00:00Z' },
    { id: 'ci-2026-12', token: NEW, scope: 'user' },
    { id: 'ci-2025-01', token: EXPIRED, scope: 'user', expires: '2025-02-01T00:00:00Z' },
    { id: 'ops', token: ADMIN, scope: 'admin' },
  ]),
  L01_KEYS_FILE: file,
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const create = (token: string) =>
  t.app.inject({ method: 'POST', url: '/api/agents', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: { name: `a-${randomUUID()}`, agent_type: 'x' } });
const callerOf = async (id: string) =>
  (await t.db.query<{ caller: string }>(`SELECT metadata->>'caller' AS caller FROM events WHERE entity_id = $1`, [id])).rows[0]!.caller;

describe('rotation', () => {
  it('two keys valid at once; the events of each record its id', async () => {
    for (const [token, id] of [[OLD, 'ci-2026-11'], [NEW, 'ci-2026-12'], [FROM_FILE, 'from-file']] as const) {
      const res = await create(token);
      expect(res.statusCode, res.body).toBe(201);
      expect(await callerOf(res.json().id)).toBe(`key:${id}`);
    }
  });

  it('an expired key is refused with 401 "key expired", on both surfaces', async () => {
    const body = expectProblem(await create(EXPIRED), 401);
    expect(body.detail).toBe('key expired');
    const original = await t.app.inject({ method: 'GET', url: '/agents/', headers: { 'x-api-key': EXPIRED } });
    expect(original.statusCode).toBe(401);
    expect(original.json()).toMatchObject({ error: 'invalid_api_key', message: 'key expired' });
  });

  it('an admin key of L01_KEYS reaches the admin routes; a user one does not', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/dead-letters', headers: bearer(ADMIN) })).statusCode).toBe(200);
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/dead-letters', headers: bearer(NEW) }), 403);
  });

  it('the variables from before keep working beside it', async () => {
    const legacy = secret();
    const app = await buildTestApp(t.database.url, { L01_API_KEY: legacy, L01_KEYS: JSON.stringify([{ id: 'new', token: NEW }]) });
    try {
      for (const token of [legacy, NEW]) expect((await app.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(token) })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('an expired admin key opens no browser session, and ends the ones it opened', () => {
    const expires = new Date(Date.now() + 60_000);
    const s = sessions(keyStore([{ id: 'ops', token: ADMIN, scope: 'admin', expires }]));
    const cookie = s.issue(ADMIN)!;
    expect(s.verify(cookie)).toBe(true);
    expect(s.verify(cookie, expires.getTime() + 1)).toBe(false);
    expect(s.issue(ADMIN, expires.getTime() + 1)).toBeNull();
  });
});

describe('configuration', () => {
  const keys = (entries: unknown[]) => JSON.stringify(entries);

  it('refuses a malformed list, naming the entry, never quoting a token', () => {
    const token = secret();
    for (const bad of ['not json', keys([{ token }]), keys([{ id: 'a b', token }]), keys([{ id: 'x', token, scope: 'root' }]), keys([{ id: 'x', token, expires: 'tomorrow' }])]) {
      let message = '';
      try {
        loadConfig({ NODE_ENV: 'test', L01_KEYS: bad });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^invalid configuration: L01_KEYS/);
      expect(message).not.toContain(token);
    }
    expect(() => loadConfig({ NODE_ENV: 'test', L01_KEYS: keys([{ id: 'x', token }, { id: 'x', token: secret() }]) })).toThrow(/id x is given twice/);
    expect(() => loadConfig({ NODE_ENV: 'test', L01_KEYS_FILE: join(dir, 'missing.json') })).toThrow(/cannot read/);
  });

  it('in production: each key at least 32 characters, no development or weak key; L01_KEYS alone is enough', () => {
    const prod = (entries: unknown[]) => () => loadConfig({ NODE_ENV: 'production', L01_KEYS: keys(entries) });
    expect(prod([{ id: 'short', token: 'too-short' }])).toThrow(/at least 32/);
    expect(prod([{ id: 'dev', token: 'dev_key_CHANGE_IN_PRODUCTION' }])).toThrow(/weak or development key|at least 32/);
    expect(prod([{ id: 'weak', token: 'changeme-changeme-changeme-changeme-0' }])).toThrow(/weak or development key/);
    expect(prod([{ id: 'ci', token: NEW }])().tokens).toEqual([{ id: 'ci', token: NEW, scope: 'user' }]);
  });
});
