/**
 * 6. Relay partitions: the same backlog drained three ways, in one run — one partition and
 * one worker (today's relay), 4 partitions in one worker, 4 partitions shared by 2 workers —
 * and what each process spent per event, to project what P workers on P cores would give.
 *
 * The backlog is written once through the API (relay stopped). For each drain the streams,
 * BullMQ's keys and the checkpoints are removed, the workers start with
 * `L01_RELAY_PARTITIONS` on an empty outbox and share the partitions out (each leads its
 * share, by its log), and only then is the outbox filled again with every event of the log
 * (one INSERT … SELECT, the rows as the write path makes them: same positions, one new
 * transaction id, not `requeued`): the drain is measured in steady state, not across a
 * rebalance. The rate counts from the first entry seen to the last (XLEN of every
 * partition's global stream, polled every 5 ms), as bench/relay-drain.ts does.
 *
 * CPU: utime + stime of each worker process (/proc/<pid>/stat), of every `postgres`
 * process, and Redis's own `used_cpu_*` (INFO cpu), between the first sighting and the
 * end. The projection assumes each component gets cores of its own — P workers each on
 * one, Postgres on as many as it uses now, Redis on one (it is single-threaded) — and takes
 * the slowest: rate ≤ cores / (CPU seconds per event). It is a model, printed as one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { AGENT_BODY, sleep, type RunContext } from './lib/context.js';
import { load } from './lib/load.js';
import { progress } from './lib/progress.js';
import { figure, type BenchResult } from './lib/report.js';
import { createSandbox, deleteKeys, type Sandbox } from './lib/sandbox.js';
import { Service } from './lib/service.js';
import { fmt } from './lib/stats.js';
import { globalStream, partitionNames, partitionsOf } from '../src/wire/names.js';

/** Issue 14: P = 4 on 2 workers drains at least this many times one partition's rate. */
const TARGET_RATIO = 1.6;
const TICK_S = 100; // clock ticks per second (USER_HZ on Linux)

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK_S; // utime, stime
  } catch {
    return 0; // gone
  }
}

function postgresSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

async function redisSeconds(sb: Sandbox): Promise<number> {
  const info = await sb.redis.info('cpu');
  const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return get('used_cpu_sys') + get('used_cpu_user');
}

interface CpuSample { workers: number; postgres: number; redis: number }
async function sampleCpu(sb: Sandbox, pids: number[]): Promise<CpuSample> {
  return { workers: pids.reduce((n, p) => n + cpuSeconds(p), 0), postgres: postgresSeconds(), redis: await redisSeconds(sb) };
}

interface Run {
  partitions: number;
  workers: number;
  eventsPerSecond: number;
  seconds: number;
  /** CPU seconds per 1000 events, between the first entry and the last. */
  cpuPerKEvents: CpuSample;
}

/** Clears what a previous drain left: outbox rows, checkpoints, every key under the prefix. */
async function clear(sb: Sandbox): Promise<void> {
  await sb.db.query('DELETE FROM outbox');
  // Every drain starts from a clean outbox: the dead rows and index entries of the drain
  // before (100k) slowed the next one's walks of the indexes (65,213 index entries visited
  // for 5,037 rows of one partition's completion, in one EXPLAIN ANALYZE).
  await sb.db.query('VACUUM outbox');
  await sb.db.query('DELETE FROM relay_checkpoint');
  await deleteKeys(sb.redis, sb.prefix);
}

/** Puts every event of the log back in the outbox. */
async function refill(sb: Sandbox): Promise<number> {
  const { rowCount } = await sb.db.query(`
    INSERT INTO outbox (transaction_id, position, event_id, entity_type, event_type, shard)
    SELECT pg_current_xact_id(), position, id, entity_type, event_type, l01_shard(entity_id) FROM events ORDER BY position`);
  await sb.db.query('ANALYZE outbox');
  return rowCount ?? 0;
}

/** The partitions a worker leads now, by its log lines (each names its partition). */
function ledBy(worker: Service): number {
  const led = new Set<number>();
  for (const line of readFileSync(worker.logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const l = JSON.parse(line) as { msg?: string; partition?: number };
    if (l.msg === 'became relay leader') led.add(l.partition ?? 0);
    else if (l.msg === 'relay leadership ended') led.delete(l.partition ?? 0);
  }
  return led.size;
}

async function drain(ctx: RunContext, sb: Sandbox, partitions: number, workers: number, backlog: number): Promise<Run> {
  const label = `${partitions} partition${partitions === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'}`;
  await clear(sb);
  const streams = partitionsOf(partitions).map((p) => globalStream(partitionNames({ prefix: sb.prefix }, p)));
  const env = { ...sb.serviceEnv, L01_RELAY_PARTITIONS: String(partitions) };
  const procs = Array.from({ length: workers }, (_, i) => Service.start('worker', env, `partitions-p${partitions}-w${workers}-${i}`));
  const rss = procs.map((p) => ctx.rss.watch('partitions', p));
  try {
    progress.step(`starting ${label}`);
    const share = Math.ceil(partitions / workers);
    for (const deadline = performance.now() + 60_000; !procs.every((p) => ledBy(p) === share);) {
      for (const p of procs) p.assertRunning();
      if (performance.now() > deadline) throw new Error(`${label}: the workers did not share the partitions out; see ${procs[0]!.logFile}`);
      await sleep(100);
    }
    progress.step(`refilling the outbox for ${label}`);
    const rows = await refill(sb);
    if (rows !== backlog) throw new Error(`refilled ${rows} outbox rows, expected ${backlog}`);
    const xlen = async () => (await Promise.all(streams.map((k) => sb.redis.xlen(k)))).reduce((a, b) => a + b, 0);
    const deadline = performance.now() + 120_000 + backlog;
    let first: { t: number; n: number; cpu: CpuSample } | null = null;
    let n = 0;
    while (n < backlog) {
      for (const p of procs) p.assertRunning();
      if (performance.now() > deadline) throw new Error(`${label}: drained ${n} of ${backlog}; see ${procs[0]!.logFile}`);
      await sleep(5);
      n = await xlen();
      if (n > 0 && !first) first = { t: performance.now(), n, cpu: await sampleCpu(sb, procs.map((p) => p.pid)) };
      if (first) progress.step(`draining: ${label}`, `${n}/${backlog}`);
    }
    const end = performance.now();
    const cpu = await sampleCpu(sb, procs.map((p) => p.pid));
    const measured = backlog - first!.n;
    const perK = (k: keyof CpuSample) => ((cpu[k] - first!.cpu[k]) / measured) * 1000;
    return {
      partitions, workers,
      eventsPerSecond: measured / ((end - first!.t) / 1000),
      seconds: (end - first!.t) / 1000,
      cpuPerKEvents: { workers: perK('workers'), postgres: perK('postgres'), redis: perK('redis') },
    };
  } finally {
    for (const r of rss) r.stop();
    progress.step(`stopping ${label}`);
    await Promise.all(procs.map((p) => p.stop()));
  }
}

/** The model: each component on cores of its own, the slowest one bounds the rate. */
function project(run: Run, workersCores: number, postgresCores: number): { rate: number; bound: string } {
  const c = run.cpuPerKEvents;
  const bounds = [
    { bound: `${workersCores} worker cores`, rate: (workersCores / c.workers) * 1000 },
    { bound: `${postgresCores} Postgres cores`, rate: (postgresCores / c.postgres) * 1000 },
    { bound: 'Redis (1 core)', rate: (1 / c.redis) * 1000 },
  ];
  return bounds.reduce((a, b) => (b.rate < a.rate ? b : a));
}

export async function partitions(ctx: RunContext): Promise<BenchResult> {
  const { backlog } = ctx.opts.sizes;
  const sb = await createSandbox(ctx.opts, ctx.runId, 'partitions');
  try {
    progress.step('starting the API only (npm run start:api)');
    const api = Service.start('api', sb.serviceEnv, 'partitions');
    try {
      await api.waitReady(sb.baseUrl);
      const written = await load({
        url: `${sb.baseUrl}/api/agents`, method: 'POST', body: AGENT_BODY, connections: 32, amount: backlog,
        onProgress: (n) => progress.step('writing the backlog through the API', `${n}/${backlog}`),
      });
      if (written.non2xx || written.errors) throw new Error(`writing the backlog: ${written.non2xx} non-2xx answers, ${written.errors} errors`);
    } finally {
      await api.stop();
    }
    const one = await drain(ctx, sb, 1, 1, backlog);
    const fourOne = await drain(ctx, sb, 4, 1, backlog);
    const fourTwo = await drain(ctx, sb, 4, 2, backlog);
    const runs = [one, fourOne, fourTwo];
    const projections = [2, 4, 8].map((p) => ({ p, ...project(fourTwo, p, 2) }));
    const figures = [
      figure({ bench: 'partitions', name: `drain, 4 partitions on 2 workers, ${backlog} events`, value: fourTwo.eventsPerSecond, unit: 'events/s',
        baseline: { name: '1 partition, 1 worker', value: one.eventsPerSecond }, target: { on: 'ratio', op: '>=', limit: TARGET_RATIO } }),
      figure({ bench: 'partitions', name: `drain, 4 partitions on 1 worker, ${backlog} events`, value: fourOne.eventsPerSecond, unit: 'events/s',
        baseline: { name: '1 partition, 1 worker', value: one.eventsPerSecond } }),
      ...projections.map((x) => figure({ bench: 'partitions', name: `projected: ${x.p} workers on ${x.p} cores (model, bound: ${x.bound})`, value: x.rate, unit: 'events/s',
        baseline: { name: 'measured, 4 partitions on 2 workers', value: fourTwo.eventsPerSecond } })),
    ];
    const cpuText = (r: Run) => `CPU s per 1000 events: workers ${fmt(r.cpuPerKEvents.workers, 3)}, Postgres ${fmt(r.cpuPerKEvents.postgres, 3)}, Redis ${fmt(r.cpuPerKEvents.redis, 3)}`;
    return {
      name: 'partitions',
      title: `Relay partitions: ${backlog} events drained by 1 or 4 partitions on 1 or 2 workers`,
      table: {
        headers: ['partitions', 'workers', 'events/s', 'vs 1 × 1', 'detail'],
        rows: runs.map((r) => [String(r.partitions), String(r.workers), fmt(r.eventsPerSecond), `${fmt(r.eventsPerSecond / one.eventsPerSecond, 2)} ×`, `${fmt(r.seconds)} s; ${cpuText(r)}`]),
      },
      figures,
      notes: [`projection (model): each component on cores of its own, rate ≤ cores ÷ CPU per event of the slowest, from the 4 × 2 run: ${projections.map((x) => `${x.p} workers ${fmt(x.rate)} events/s (${x.bound})`).join('; ')}`],
      data: { backlog, runs, projections },
      plot: {
        title: 'Relay drain by partitions and workers',
        width: 360, height: 240,
        data: { values: runs.map((r) => ({ what: `${r.partitions} p × ${r.workers} w`, rate: r.eventsPerSecond })) },
        encoding: { x: { field: 'what', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } }, y: { field: 'rate', type: 'quantitative', title: 'events/s' } },
        layer: [{ mark: 'bar' }, { mark: { type: 'text', dy: -6 }, encoding: { text: { field: 'rate', type: 'quantitative', format: ',.0f' } } }],
      },
    };
  } finally {
    await sb.dispose();
  }
}
