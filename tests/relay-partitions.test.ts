/**
 * Relay partitions (L01_RELAY_PARTITIONS=3) end to end, one worker process relaying this
 * file's database into its own Redis prefix: every event lands in the streams of its
 * entity's partition (`shard(entity id) mod 3`, the same in Postgres and in wire/partition.ts),
 * an entity's versions stay in order there, each partition has its own leader, checkpoint
 * and publish counter, and what operators read (`l01 outbox status`, /admin/overview.json,
 * readiness) shows every partition. A worker started with another count leads nothing.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Overview } from '../src/outbox/overview.js';
import type { OutboxStatus, PartitionStatus } from '../src/outbox/status.js';
import { entityStream, globalStream, partitionNames, partitionOf, partitionsOf, shardOf } from '../src/wire/index.js';
import { useTestApp } from './helpers/app.js';
import { deleteKeys, startWorker, testPrefix, waitFor, type WorkerProcess } from './metrics.support.js';

const P = 3;
const userKey = 'partitions-test-user-key-0123456789abcdef';
const adminKey = 'partitions-test-admin-key-0123456789abcdef';
const prefix = testPrefix('partitions');
const env = { L01_API_KEY: userKey, L01_ADMIN_API_KEY: adminKey, L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix, L01_RELAY_PARTITIONS: String(P) };
const t = useTestApp(env);
const names = { prefix, channelPrefix: prefix };
const parts = partitionsOf(P);

let worker: WorkerProcess | undefined;
const workerEnv = () => ({ DATABASE_URL: t.database.url, REDIS_URL: inject('redisUrl'), L01_WORKER_METRICS_PORT: '0', L01_RELAY_POLL_MS: '50', ...env });

function l01(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/l01.js', ...args], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: t.database.url, REDIS_URL: inject('redisUrl'), ...env },
      timeout: 60_000,
    }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}
async function send(method: 'POST' | 'PATCH', url: string, payload: Record<string, unknown>): Promise<{ id: string }> {
  const res = await t.app.inject({ method, url, headers: { authorization: `Bearer ${userKey}` }, payload });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json() as { id: string };
}
const outboxRows = async () => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
const ids = (entries: Array<[string, string[]]>) => entries.map(([, f]) => JSON.parse(f[f.indexOf('data') + 1]!) as { entity_id: string; entity_version: number });

beforeAll(async () => {
  worker = await startWorker(workerEnv());
});
afterAll(async () => {
  await worker?.stop();
  if (t.redis) await deleteKeys(t.redis, prefix);
});

describe(`${P} partitions`, () => {
  const agents: string[] = [];

  it('computes the shard in Postgres as wire/partition.ts does', async () => {
    const sample = ['3f2b6c1e-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff'];
    const { rows } = await t.db.query<{ id: string; shard: number }>('SELECT id::text, l01_shard(id) AS shard FROM unnest($1::uuid[]) AS id', [sample]);
    expect(rows.map((r) => r.shard)).toEqual(sample.map(shardOf));
  });

  it("puts each event in its entity's partition, in order, each partition with its own checkpoint and leader", async () => {
    for (let i = 0; i < 45; i++) agents.push((await send('POST', '/api/agents', { name: `p-${i}`, agent_type: 'partitions' })).id);
    // Five versions of a few agents, interleaved.
    for (let v = 0; v < 4; v++) for (const id of agents.slice(0, 6)) await send('PATCH', `/api/agents/${id}`, { name: `p-v${v}` });
    await waitFor(async () => (await outboxRows()) === 0, 30_000, 'the relays to publish every event');

    const { rows: events } = await t.db.query<{ entity_id: string }>(`SELECT entity_id::text FROM events WHERE entity_type = 'agent'`);
    const expected = parts.map((p) => events.filter((e) => partitionOf(e.entity_id, P) === p.index).length);
    expect(expected.every((n) => n > 0), `45 random ids reach all ${P} partitions: ${expected}`).toBe(true);
    for (const p of parts) {
      const own = partitionNames(names, p);
      const global = await t.redis!.xrange(globalStream(own), '-', '+');
      const typed = await t.redis!.xrange(entityStream(own, 'agent'), '-', '+');
      expect(global.length).toBe(expected[p.index]);
      expect(typed.length).toBe(expected[p.index]);
      for (const e of ids(global)) expect(partitionOf(e.entity_id, P)).toBe(p.index);
      // An entity's versions in order in its partition's stream.
      const last = new Map<string, number>();
      for (const e of ids(typed)) {
        expect(e.entity_version).toBeGreaterThan(last.get(e.entity_id) ?? 0);
        last.set(e.entity_id, e.entity_version);
      }
    }
    // Nothing in the unpartitioned keys.
    expect(await t.redis!.exists(globalStream(names))).toBe(0);

    const { rows: checkpoints } = await t.db.query<{ partition: number; published: string }>(
      'SELECT partition, published::text FROM relay_checkpoint WHERE partitions = $1 ORDER BY partition', [P]);
    expect(checkpoints.map((c) => [c.partition, Number(c.published)])).toEqual(parts.map((p) => [p.index, expected[p.index]]));
    const { rows: leaders } = await t.db.query<{ application_name: string }>(
      `SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'l01-relay-leader%' ORDER BY 1`);
    expect(leaders.map((l) => l.application_name)).toEqual(parts.map((p) => `l01-relay-leader p${p.index}/${P}`));
  });

  it('l01 outbox status, the overview and readiness show every partition', async () => {
    const status = JSON.parse(await l01(['outbox', 'status', '--json'])) as Omit<OutboxStatus, 'partitions'> & { partitions: Array<PartitionStatus & { leader: { application_name: string } | null }> };
    expect(status.backlog).toBe(0);
    expect(status.checkpoint).toBeNull();
    expect(status.partitions.map((p) => [p.partition, p.backlog, p.leader?.application_name])).toEqual(parts.map((p) => [p.index, 0, `l01-relay-leader p${p.index}/${P}`]));
    expect(status.published).toBe(status.partitions.reduce((n, p) => n + p.published, 0));
    const text = await l01(['outbox', 'status']);
    for (const p of parts) expect(text).toMatch(new RegExp(`partition ${p.index}/${P} +backlog 0, checkpoint \\d+-\\d+`));

    const res = await t.app.inject({ method: 'GET', url: '/admin/overview.json', headers: { authorization: `Bearer ${adminKey}` } });
    const o = res.json() as Overview;
    expect(o.partitions.map((p) => [p.partition, p.leader?.application_name, p.backlog])).toEqual(parts.map((p) => [p.index, `l01-relay-leader p${p.index}/${P}`, 0]));
    expect(o.partitions.map((p) => p.published_last_minute)).toEqual(o.partitions.map((p) => p.published_total));
    expect(o.streams.map((s) => s.key)).toEqual(expect.arrayContaining(parts.map((p) => globalStream(partitionNames(names, p)))));

    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode, ready.body).toBe(200);
  });

  it('a worker with another partition count leads nothing while these lead, and says why', async () => {
    const other = await startWorker({ ...workerEnv(), L01_RELAY_PARTITIONS: '2' });
    try {
      await waitFor(() => other.output.some((l) => l.includes('another L01_RELAY_PARTITIONS')), 15_000, 'the mismatched worker to notice');
      expect(other.output.some((l) => l.includes('became relay leader'))).toBe(false);
      // The partitions of 3 keep publishing.
      await send('POST', '/api/agents', { name: 'after', agent_type: 'partitions' });
      await waitFor(async () => (await outboxRows()) === 0, 30_000, 'the event to be published');
    } finally {
      await other.stop();
    }
  });
});
