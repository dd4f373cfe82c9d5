/**
 * `DATABASE_READ_URL` on a real streaming replica (a private primary and a hot standby made
 * with pg_basebackup): GETs read the standby, writes and the lookups they make read the
 * primary, readiness watches the standby, and the events cursor read on the standby delays,
 * never skips, a transaction that took its id first and commits last.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { entityByTable } from '../src/db/entities/index.js';
import { startPostgres, startReplica, stopAll, sleep, type PostgresCluster, type ReplicaCluster } from './faults/support/servers.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { client } from './helpers/http.js';
import { lastPosition } from './helpers/rows.js';
import { lateWriter } from './helpers/late-writer.js';
import { Samples } from './helpers/samples.js';

const agents = entityByTable.get('agents')!;
let primary: PostgresCluster;
let replica: ReplicaCluster;
let standby: pg.Client;
let t: TestApp;
const api = client(() => t.app);
const samples = new Samples(api);

/** Waits until the standby has replayed everything the primary has written so far. */
async function caughtUp(): Promise<void> {
  const { rows } = await t.db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  for (;;) {
    const r = await standby.query<{ done: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [rows[0]!.lsn]);
    if (r.rows[0]!.done) return;
    await sleep(20);
  }
}

beforeAll(async () => {
  primary = await startPostgres();
  replica = await startReplica(primary);
  standby = new pg.Client({ connectionString: replica.url });
  await standby.connect();
  t = await buildTestApp(primary.url, { DATABASE_READ_URL: replica.url });
}, 120_000);

afterAll(async () => {
  await t?.close();
  await standby?.end();
  await stopAll();
});

describe('reads on the replica', () => {
  it('serves GETs from the standby, and writes (with their lookups) from the primary', async () => {
    await standby.query('SELECT pg_wal_replay_pause()');
    try {
      const created = await api.post('/api/agents', await samples.body(agents));
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json<{ id: string }>().id;
      // The standby has not replayed the create: a GET does not find it...
      expect((await api.get(`/api/agents/${id}`)).statusCode).toBe(404);
      expect((await api.get(`/api/events?entity_id=${id}`)).json()).toEqual([]);
      // ...while a write finds it where it was written.
      const patched = await api.patch(`/api/agents/${id}`, { name: 'patched on the primary' });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json<{ version: number }>().version).toBe(2);

      await standby.query('SELECT pg_wal_replay_resume()');
      await caughtUp();
      const read = await api.get(`/api/agents/${id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ id, version: 2, name: 'patched on the primary' });
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
    }
  });

  it('pages the events cursor on the standby without skipping a late commit', async () => {
    await caughtUp();
    const start = await lastPosition(t.db);
    await lateWriter(t.db, samples, async () => {
      const early = await api.post('/api/agents', await samples.body(agents));
      expect(early.statusCode).toBe(201);
      await caughtUp();
      // The API's create is committed and replayed on the standby, yet the cursor there does
      // not hand it out: the standby counts the primary's older open transaction as running.
      const visible = await standby.query('SELECT 1 FROM agents WHERE id = $1', [early.json<{ id: string }>().id]);
      expect(visible.rowCount).toBe(1);
      expect((await api.get(`/api/events?after=${start}`)).json()).toEqual([]);
    });
    await caughtUp();
    const page = (await api.get(`/api/events?after=${start}&limit=10`)).json<Array<{ metadata: { request_id?: string }; transaction_id: string }>>();
    expect(page).toHaveLength(2);
    // Log order: the late writer's smaller transaction id first.
    expect(page[0]!.metadata.request_id).toBe('late-writer');
    expect(BigInt(page[0]!.transaction_id)).toBeLessThan(BigInt(page[1]!.transaction_id));
  });
});

describe('readiness with a replica', () => {
  it('reports the standby and its replay lag', async () => {
    await caughtUp();
    const res = await api.get('/health/ready');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ checks: Record<string, string>; replica_lag_ms: number | null }>();
    expect(body.checks.replica).toBe('healthy');
    // 0 when everything received is replayed; WAL written meanwhile (autovacuum, a checkpoint) may make it a few ms.
    expect(body.replica_lag_ms).toBeGreaterThanOrEqual(0);
  });

  it('names a DATABASE_READ_URL that is not a standby, without making the API unready (writes do not need it)', async () => {
    const wrong = await buildTestApp(primary.url, { DATABASE_READ_URL: primary.url });
    try {
      const res = await wrong.app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ checks: Record<string, string>; problems: Record<string, string> }>();
      expect(body.checks.replica).toBe('unhealthy');
      expect(body.problems.replica).toMatch(/standby/);
    } finally {
      await wrong.close();
    }
  });
});
