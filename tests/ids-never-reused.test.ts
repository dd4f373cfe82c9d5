/**
 * An id is never reused, under any race (issue 13, "Ids reused"): a DELETE racing creates
 * that name the same id brought the id back (`created v1, deleted v2, created v1`) in 62% of
 * trials, because the create's NOT EXISTS check reads its own snapshot and misses a delete
 * committing meanwhile. The log now enforces it: events_created_once_idx, a partial UNIQUE
 * index on events (entity_type, entity_id) of `<entity>_created` events (unique checks are
 * not snapshot-based), its 23505 answered as the `id_used` 409.
 *
 * Each race is run twice: on a database without the index (the control, which must show the
 * reuse, or the race is not being hit) and on the real schema (no reuse, ever).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityByTable } from '../src/db/entities/index.js';
import { applyChange } from '../src/db/write.js';
import { buildTestApp, useTestApp, type TestApp } from './helpers/app.js';
import { createDatabase, dropDatabase, databaseUrl, newDatabaseName } from './helpers/database.js';
import { client, type Client } from './helpers/http.js';

const TRIALS = 300;
const HELD_TRIALS = 20;
const agents = entityByTable.get('agents')!;
const body = (id: string) => ({ id, name: 'raced', agent_type: 'race' });

const t = useTestApp();
const api = client(() => t.app);

/** The control: the same service on a database without the index. */
let control: TestApp & { name: string };
let controlApi: Client;
beforeAll(async () => {
  const db = await createDatabase();
  control = Object.assign(await buildTestApp(db.url), { name: db.name });
  await control.db.query('DROP INDEX events_created_once_idx');
  controlApi = client(() => control.app);
});
afterAll(async () => {
  await control?.close();
  if (control) await dropDatabase(control.name);
});

/** How many times each id was created, for the ids created more than once. */
async function reused(db: pg.Pool, ids: string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT entity_id FROM events WHERE entity_type = 'agent' AND event_type = 'agent_created'
       AND entity_id = ANY($1::uuid[]) GROUP BY entity_id HAVING count(*) > 1) AS d`, [ids]);
  return Number(rows[0]!.n);
}

/**
 * One trial per id: create it, then DELETE it and POST two creates naming it, all at once.
 * Returns the statuses of the creates, counted.
 */
async function race(c: Client, ids: string[]): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  for (const id of ids) {
    expect((await c.post('/api/agents', body(id))).statusCode).toBe(201);
    const [del, ...creates] = await Promise.all([c.delete(`/api/agents/${id}`), c.post('/api/agents', body(id)), c.post('/api/agents', body(id))]);
    expect(del.statusCode, del.body).toBe(200);
    for (const r of creates) statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
  }
  return statuses;
}

describe('DELETE racing creates of the same id, through the API', () => {
  it(`${TRIALS} trials: the control reuses ids; with the index none is reused and every losing create is a 409`, async () => {
    const controlIds = Array.from({ length: TRIALS }, () => randomUUID());
    const controlStatuses = await race(controlApi, controlIds);
    const controlReused = await reused(control.db, controlIds);

    const ids = Array.from({ length: TRIALS }, () => randomUUID());
    const statuses = await race(api, ids);
    const reusedIds = await reused(t.db, ids);
    console.log(`[ids] ${TRIALS} trials (DELETE + 2 creates of the id at once): without the index ${controlReused} ids reused ` +
      `(${((100 * controlReused) / TRIALS).toFixed(0)}%, creates ${JSON.stringify(controlStatuses)}); with it ${reusedIds} reused, creates ${JSON.stringify(statuses)}`);

    expect(controlReused, 'the control must hit the race, or this test proves nothing').toBeGreaterThan(0);
    expect(reusedIds).toBe(0);
    expect(Object.keys(statuses)).toEqual(['409']);
    // The history of each id is one life: created v1 … deleted, and nothing after.
    const { rows } = await t.db.query<{ types: string[] }>(
      `SELECT array_agg(event_type ORDER BY position) AS types FROM events WHERE entity_type = 'agent' AND entity_id = ANY($1::uuid[]) GROUP BY entity_id`, [ids]);
    expect(rows).toHaveLength(TRIALS);
    for (const r of rows) expect(r.types).toEqual(['agent_created', 'agent_deleted']);
  }, 120_000);

  it('the losing create is the id_used 409, naming body.id', async () => {
    const id = randomUUID();
    await api.post('/api/agents', body(id));
    await api.delete(`/api/agents/${id}`);
    const res = await api.post('/api/agents', body(id));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ detail: expect.stringMatching(/ids are never reused/), errors: [{ field: 'body.id' }] });
  });
});

/**
 * The race made certain: the delete's transaction is held open while the create runs, so
 * the create's snapshot cannot see the delete, and its insert waits for the delete's row.
 */
async function heldRace(db: pg.Pool, id: string) {
  await applyChange(db, { op: 'create', entity: agents, data: body(id), metadata: {} });
  const deleter = await db.connect();
  try {
    await deleter.query('BEGIN');
    const pid = (await deleter.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    expect((await applyChange(deleter, { op: 'delete', entity: agents, id, metadata: {} })).ok).toBe(true);
    const create = applyChange(db, { op: 'create', entity: agents, data: body(id), metadata: {} }).catch((err: unknown) => err);
    // Commit only once the create waits on the deleted row: its snapshot predates the delete.
    for (let waited = 0; ; waited += 5) {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid]);
      if (rows[0]!.n > 0) break;
      if (waited > 5000) throw new Error('the create never waited on the delete');
      await new Promise((r) => setTimeout(r, 5));
    }
    await deleter.query('COMMIT');
    return await create;
  } finally {
    deleter.release();
  }
}

describe('the race made certain: a delete committing while the create waits', () => {
  it(`${HELD_TRIALS} trials: the control creates the id again every time; the index refuses it every time (id_used)`, async () => {
    let controlCreated = 0;
    let refused = 0;
    for (let i = 0; i < HELD_TRIALS; i++) {
      const c = await heldRace(control.db, randomUUID());
      if ((c as { ok?: boolean }).ok === true) controlCreated++;
      const r = await heldRace(t.db, randomUUID());
      expect(r).toEqual({ ok: false, reason: 'id_used' });
      refused++;
    }
    console.log(`[ids] ${HELD_TRIALS} held races: without the index ${controlCreated} re-created, with it ${refused} refused as id_used`);
    expect(controlCreated).toBe(HELD_TRIALS);
  });
});

describe('migration 0007 on a log that already holds reused ids', () => {
  const name = newDatabaseName();
  const url = databaseUrl(name);
  const migrations = fileURLToPath(new URL('../drizzle', import.meta.url));
  let dir = '';
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await dropDatabase(name);
  });

  const withClient = async <T>(target: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: target });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const createdEvent = (c: pg.Client, id: string) =>
    c.query(`INSERT INTO events (event_type, entity_type, entity_id, entity_version, payload) VALUES ('agent_created', 'agent', $1, 1, '{}')`, [id]);

  it('builds the index around the old duplicates (with a WARNING), and blocks every further creation of any id', async () => {
    // Up to 0006 only (a copy of drizzle/ whose journal stops there), as before the fix.
    dir = mkdtempSync(join(tmpdir(), 'l01-migrations-'));
    cpSync(migrations, dir, { recursive: true });
    const journalFile = join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
    writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.filter((e) => e.tag < '0007_') }));
    await withClient(databaseUrl('postgres'), (c) => c.query(`CREATE DATABASE "${name}"`));

    const [reusedId, plainId] = [randomUUID(), randomUUID()];
    const warnings: string[] = [];
    await withClient(url, async (c) => {
      await c.query('SET client_min_messages = warning');
      await migrate(drizzle(c), { migrationsFolder: dir });
      // An id that came back (created, deleted, created), as the race wrote them, and one that did not.
      await createdEvent(c, reusedId);
      await c.query(`INSERT INTO events (event_type, entity_type, entity_id, entity_version, payload) VALUES ('agent_deleted', 'agent', $1, 2, '{}')`, [reusedId]);
      await createdEvent(c, reusedId);
      await createdEvent(c, plainId);
      c.on('notice', (n) => warnings.push(n.message ?? ''));
      await migrate(drizzle(c), { migrationsFolder: migrations });
    });
    expect(warnings.join('\n')).toMatch(/1 ids were created again after a delete/);

    await withClient(url, async (c) => {
      const { rows } = await c.query<{ def: string }>(`SELECT pg_get_indexdef('events_created_once_idx'::regclass) AS def`);
      expect(rows[0]!.def).toMatch(/^CREATE UNIQUE INDEX events_created_once_idx ON public\.events USING btree \(entity_type, entity_id\) WHERE/);
      // Neither id can be created again: the reused one is blocked by its first creation.
      for (const id of [reusedId, plainId, reusedId]) {
        const err = await createdEvent(c, id).then(() => null, (e: { code?: string; constraint?: string }) => e);
        expect(err).toMatchObject({ code: '23505', constraint: 'events_created_once_idx' });
      }
      // Any other id is created once as before.
      await createdEvent(c, randomUUID());
    });
  });
});
