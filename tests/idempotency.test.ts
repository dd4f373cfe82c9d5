/**
 * Idempotency-Key on writes (api/idempotency): the first answer is stored with the write, in
 * its transaction, and replayed to a retry; another request under the key is a 422; a retry
 * while the first is in flight is a 409; keys expire. Keys belong to their caller.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURGE_BATCH } from '../src/db/idempotency.js';
import { buildTestApp, useTestApp } from './helpers/app.js';
import { callerId, client, DEV_TOKEN, expectProblem } from './helpers/http.js';
import { count, eventsAfter, lastPosition } from './helpers/rows.js';

const TTL_MS = 60_000;
const t = useTestApp({ L01_IDEMPOTENCY_TTL_MS: String(TTL_MS) });
const api = client(() => t.app);
/** Another caller: a second development token. */
const other = client(() => t.app, { authorization: 'Bearer dev_key_local_ONLY' });
const key = () => ({ 'idempotency-key': randomUUID() });
const agent = (name = 'Keyed') => ({ name, agent_type: 'idempotency' });

const storedRows = (k: string) => count(t.db, 'idempotency_keys', 'key = $1', [k]);

describe('a retry with the same key', () => {
  it('of a create: the same status, body, ETag and Location, marked as replayed, and no second write', async () => {
    const headers = key();
    const since = await lastPosition(t.db);
    const first = await api.post('/api/agents', agent(), headers);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await api.post('/api/agents', agent(), headers);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    for (const h of ['etag', 'location', 'content-type']) expect(again.headers[h], h).toBe(first.headers[h]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => e.event_type)).toEqual(['agent_created']);
    expect(await storedRows(headers['idempotency-key'])).toBe(1);
  });

  it('of an update and of a delete: replayed, one event each (the delete answers 200 again, not 404)', async () => {
    const row = (await api.post('/api/agents', agent())).json<{ id: string }>();
    const since = await lastPosition(t.db);
    const patch = key();
    const updated = await api.patch(`/api/agents/${row.id}`, { status: 'paused' }, patch);
    expect(updated.statusCode, updated.body).toBe(200);
    const replayed = await api.patch(`/api/agents/${row.id}`, { status: 'paused' }, patch);
    expect([replayed.statusCode, replayed.body, replayed.headers.etag]).toEqual([200, updated.body, '"2"']);

    const del = key();
    const deleted = await api.delete(`/api/agents/${row.id}`, del);
    expect(deleted.statusCode).toBe(200);
    const again = await api.delete(`/api/agents/${row.id}`, del);
    expect([again.statusCode, again.body, again.headers['idempotent-replayed']]).toEqual([200, deleted.body, 'true']);
    expect((await eventsAfter(t.db, since)).map((e) => `${e.event_type} v${e.entity_version}`))
      .toEqual(['agent_updated v2', 'agent_paused v2', 'agent_deleted v3']);
  });

  it('accepts the key as the draft spells it, a quoted string: the same key as bare', async () => {
    const k = randomUUID();
    const first = await api.post('/api/agents', agent(), { 'idempotency-key': `"${k}"` });
    const again = await api.post('/api/agents', agent(), { 'idempotency-key': k });
    expect([first.statusCode, again.headers['idempotent-replayed'], again.body]).toEqual([201, 'true', first.body]);
  });

  it('works on the original service\'s routes too (same writer)', async () => {
    const headers = key();
    const since = await lastPosition(t.db);
    const first = await api.post('/documents', { title: 'Keyed document' }, headers);
    expect(first.statusCode, first.body).toBe(201);
    const again = await api.post('/documents', { title: 'Keyed document' }, headers);
    expect([again.statusCode, again.body, again.headers['idempotent-replayed']]).toEqual([201, first.body, 'true']);
    expect((await eventsAfter(t.db, since)).map((e) => e.event_type)).toEqual(['document_created']);
  });
});

describe('the same key with another request', () => {
  it('is a 422, whether the body, the path or the method differs, and writes nothing', async () => {
    const headers = key();
    const created = (await api.post('/api/agents', agent('one'), headers)).json<{ id: string }>();
    const since = await lastPosition(t.db);
    expectProblem(await api.post('/api/agents', agent('two'), headers), 422, 'headers.idempotency-key');
    expectProblem(await api.post('/api/goals', agent('one'), headers), 422);
    expectProblem(await api.put(`/api/agents/${created.id}`, agent('one'), headers), 422);
    expect(await lastPosition(t.db)).toBe(since);
  });

  it('of another caller is not the same key: each caller writes its own', async () => {
    const headers = key();
    const mine = await api.post('/api/agents', agent('mine'), headers);
    const theirs = await other.post('/api/agents', agent('theirs'), headers);
    expect([mine.statusCode, theirs.statusCode]).toEqual([201, 201]);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    const { rows } = await t.db.query<{ caller: string }>('SELECT caller FROM idempotency_keys WHERE key = $1 ORDER BY caller', [headers['idempotency-key']]);
    expect(rows.map((r) => r.caller)).toEqual([callerId(DEV_TOKEN), callerId('dev_key_local_ONLY')].sort());
  });
});

describe('what is not stored', () => {
  it('without the header, writes behave as before: two posts, two agents, no stored answer', async () => {
    const before = await count(t.db, 'idempotency_keys');
    const [a, b] = await Promise.all([api.post('/api/agents', agent()), api.post('/api/agents', agent())]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json<{ id: string }>().id).not.toBe(b.json<{ id: string }>().id);
    expect(await count(t.db, 'idempotency_keys')).toBe(before);
  });

  it('an error is not stored (it wrote nothing): the retry runs again', async () => {
    const row = (await api.post('/api/agents', agent())).json<{ id: string }>();
    const headers = { ...key(), 'if-match': '"7"' };
    expectProblem(await api.patch(`/api/agents/${row.id}`, { name: 'stale' }, headers), 412);
    expect(await storedRows(headers['idempotency-key'])).toBe(0);
    const retried = await api.patch(`/api/agents/${row.id}`, { name: 'stale' }, { ...headers, 'if-match': '"1"' });
    // The If-Match header is no part of the fingerprint: the same method, path and body.
    expect([retried.statusCode, retried.headers['idempotent-replayed']]).toEqual([200, undefined]);
  });

  it('a key that is not 1–255 printable ASCII characters is a 400', async () => {
    expectProblem(await api.post('/api/agents', agent(), { 'idempotency-key': 'x'.repeat(256) }), 400, 'headers.idempotency-key');
    expectProblem(await api.post('/api/agents', agent(), { 'idempotency-key': 'with space' }), 400, 'headers.idempotency-key');
  });
});

describe('the answer commits with the write, or neither does', () => {
  afterAll(async () => {
    await t.db.query('DROP TRIGGER IF EXISTS fail_store ON idempotency_keys; DROP FUNCTION IF EXISTS fail_store();');
  });

  it('when storing the answer fails, the write is rolled back: no row, no event', async () => {
    await t.db.query(`
      CREATE FUNCTION fail_store() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$;
      CREATE TRIGGER fail_store BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION fail_store();`);
    const id = randomUUID();
    const since = await lastPosition(t.db);
    expectProblem(await api.post('/api/agents', { ...agent(), id }, key()), 500);
    expect(await lastPosition(t.db)).toBe(since);
    expect(await count(t.db, 'agents', 'id = $1', [id])).toBe(0);
    await t.db.query('DROP TRIGGER fail_store ON idempotency_keys');
  });

  it('keyed creates at once (grouped into shared statements): each answer stored with its own write, an orphan among them refused alone', async () => {
    const owner = (await api.post('/api/agents', agent('Owner'))).json<{ id: string }>();
    const since = await lastPosition(t.db);
    const keys = Array.from({ length: 12 }, () => key());
    const orphanKey = key();
    const [orphan, ...firsts] = await Promise.all([
      api.post('/api/goals', { agent_id: randomUUID(), description: 'orphan' }, orphanKey),
      ...keys.map((h, i) => api.post('/api/goals', { agent_id: owner.id, description: `goal ${i}` }, h)),
    ]);
    expectProblem(orphan!, 409);
    expect(await storedRows(orphanKey['idempotency-key'])).toBe(0);
    for (const [i, first] of firsts.entries()) {
      expect(first.statusCode, first.body).toBe(201);
      expect(await storedRows(keys[i]!['idempotency-key'])).toBe(1);
      const again = await api.post('/api/goals', { agent_id: owner.id, description: `goal ${i}` }, keys[i]!);
      expect([again.statusCode, again.body, again.headers.etag, again.headers.location, again.headers['idempotent-replayed']])
        .toEqual([201, first.body, first.headers.etag, first.headers.location, 'true']);
    }
    expect((await eventsAfter(t.db, since)).map((e) => e.event_type)).toEqual(Array(12).fill('goal_created'));
  });

  it('when the write fails, no answer is stored', async () => {
    const headers = key();
    expectProblem(await api.post('/api/goals', { agent_id: randomUUID(), description: 'orphan' }, headers), 409);
    expect(await storedRows(headers['idempotency-key'])).toBe(0);
  });
});

/** A connection of the test's own that holds an agent's entity lock (write.ts), so a write to it waits. */
async function holdEntity(id: string): Promise<{ pid: number; release(): Promise<void> }> {
  const c: pg.PoolClient = await t.db.connect();
  await c.query('BEGIN');
  await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('agents:' || $1::uuid::text, 0))`, [id]);
  const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return { pid, release: async () => (await c.query('COMMIT'), c.release()) };
}

/** Resolves once a backend waits for a lock that `pid` holds. */
async function someoneWaitsOn(pid: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; ;) {
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid]);
    if (rows[0]!.n > 0) return;
    if (Date.now() > deadline) throw new Error('no request ever waited on the held entity');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a retry while the first request is still in flight', () => {
  it('is a 409 with Retry-After at once; once the first is answered, the retry gets its answer', async () => {
    const row = (await api.post('/api/agents', agent())).json<{ id: string }>();
    const headers = key();
    const held = await holdEntity(row.id);
    let first;
    try {
      first = api.patch(`/api/agents/${row.id}`, { name: 'first' }, headers);
      // The first holds its key and waits inside its write for the entity the test holds.
      await someoneWaitsOn(held.pid);
      const during = await api.patch(`/api/agents/${row.id}`, { name: 'first' }, headers);
      expectProblem(during, 409, 'headers.idempotency-key');
      expect(during.headers['retry-after']).toBe('1');
    } finally {
      await held.release();
    }
    const answered = await first;
    expect(answered.statusCode, answered.body).toBe(200);
    const after = await api.patch(`/api/agents/${row.id}`, { name: 'first' }, headers);
    expect([after.statusCode, after.body, after.headers['idempotent-replayed']]).toEqual([200, answered.body, 'true']);
    expect((await api.get(`/api/agents/${row.id}`)).json()).toMatchObject({ version: 2 });
  });
});

describe('expiry', () => {
  it(`an answer is kept for L01_IDEMPOTENCY_TTL_MS (${TTL_MS} ms here)`, async () => {
    const headers = key();
    await api.post('/api/agents', agent(), headers);
    const { rows } = await t.db.query<{ ms: number }>(
      'SELECT (extract(epoch FROM expires_at - created_at) * 1000)::int AS ms FROM idempotency_keys WHERE key = $1', [headers['idempotency-key']]);
    expect(rows).toEqual([{ ms: TTL_MS }]);
  });

  it('past it, the key is free: another request under it writes, and its answer replaces the old one', async () => {
    const headers = key();
    const first = await api.post('/api/agents', agent('before'), headers);
    await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [headers['idempotency-key']]);
    const later = await api.post('/api/agents', agent('after'), headers);
    expect([later.statusCode, later.headers['idempotent-replayed']]).toEqual([201, undefined]);
    expect(later.json<{ id: string }>().id).not.toBe(first.json<{ id: string }>().id);
    const again = await api.post('/api/agents', agent('after'), headers);
    expect([again.body, again.headers['idempotent-replayed']]).toEqual([later.body, 'true']);
  });

  it(`expired answers are purged by later keyed writes, at most ${PURGE_BATCH} per write`, async () => {
    const stale = PURGE_BATCH + 6;
    await t.db.query(
      `INSERT INTO idempotency_keys (caller, key, fingerprint, status, headers, body, created_at, expires_at)
       SELECT 'someone-else', 'k' || n, 'f', 201, '{}', '{}', now() - interval '2 days', now() - interval '1 day' FROM generate_series(1, $1) AS n`, [stale]);
    const expired = () => count(t.db, 'idempotency_keys', 'expires_at <= now()');
    const before = await expired();
    expect(before).toBeGreaterThanOrEqual(stale);
    await api.post('/api/agents', agent(), key());
    expect(await expired()).toBe(before - PURGE_BATCH);
    await api.post('/api/agents', agent(), key());
    expect(await expired()).toBe(Math.max(0, before - 2 * PURGE_BATCH));
  });
});

describe('keyed requests and the pool', () => {
  it('more keyed writes at once than pooled connections, on routes that read first: all answered, none starved', async () => {
    // The test app's pool has 4 connections; each keyed request holds one, and reads on it.
    const docs = await Promise.all(Array.from({ length: 3 }, async (_, i) => (await api.post('/documents', { title: `doc ${i}` })).json<{ id: string }>()));
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => api.patch(`/documents/${docs[i % 3]!.id}`, { title: `edit ${i}` }, key())));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
  });

  it('more keyed creates at once than pooled connections, grouped: all answered, each replayed; with a pool of one, still answered (not grouped)', async () => {
    const many = Array.from({ length: 12 }, () => key());
    const firsts = await Promise.all(many.map((h, i) => api.post('/api/agents', agent(`many ${i}`), h)));
    expect(firsts.map((r) => r.statusCode)).toEqual(Array(12).fill(201));
    const replays = await Promise.all(many.map((h, i) => api.post('/api/agents', agent(`many ${i}`), h)));
    expect(replays.map((r) => r.body)).toEqual(firsts.map((r) => r.body));

    const single = await buildTestApp(t.database.url, { L01_PG_POOL_SIZE: '1', L01_PG_CONNECT_TIMEOUT_MS: '500' });
    try {
      const one = client(() => single.app);
      const answers = await Promise.all(Array.from({ length: 3 }, (_, i) => one.post('/api/agents', agent(`single ${i}`), key())));
      expect(answers.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    } finally {
      await single.close();
    }
  });

  it('a client that hangs up while its write waits leaves no key held: the write completes and is replayed', async () => {
    const row = (await api.post('/api/agents', agent())).json<{ id: string }>();
    const headers = key();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const held = await holdEntity(row.id);
    const controller = new AbortController();
    try {
      const gone = fetch(`http://127.0.0.1:${port}/api/agents/${row.id}`, {
        method: 'PATCH', signal: controller.signal,
        headers: { authorization: `Bearer ${DEV_TOKEN}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ name: 'hung up' }),
      }).catch((err: unknown) => err);
      await someoneWaitsOn(held.pid);
      controller.abort();
      expect(await gone).toBeInstanceOf(Error);
    } finally {
      await held.release();
    }
    // The handler finishes after the hang-up; its answer is stored with the write, then the key is free.
    for (const deadline = Date.now() + 10_000; (await storedRows(headers['idempotency-key'])) === 0;) {
      if (Date.now() > deadline) throw new Error('the abandoned request never stored its answer');
      await new Promise((r) => setTimeout(r, 5));
    }
    const retry = await api.patch(`/api/agents/${row.id}`, { name: 'hung up' }, headers);
    expect([retry.statusCode, retry.headers['idempotent-replayed'], retry.json()]).toEqual([200, 'true', expect.objectContaining({ version: 2, name: 'hung up' })]);
  });
});
