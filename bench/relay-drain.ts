/**
 * 3. Relay drain: with only the API running (`npm run start:api`), write a backlog through
 * the API; then start the relay (`npm run start:worker`) and time until the last event is
 * in the global stream (XLEN polled every 5 ms).
 *
 * The rate counts from the first entry seen to the last, so the worker's start-up (tsx,
 * connections, leadership) is not in it; the time from spawn is reported beside it.
 * Baselines, in the same run: the relay's claim SQL alone (claimBatch, walking the whole
 * backlog with its `after` key, deleting nothing) and Redis alone (redis-benchmark XADD,
 * pipelined, with messages the size of the real ones).
 */
import { AGENT_BODY, sleep, type RunContext } from './lib/context.js';
import { load } from './lib/load.js';
import { progress } from './lib/progress.js';
import { xaddBaseline, type XaddResult } from './lib/redis-benchmark.js';
import { figure, type BenchResult } from './lib/report.js';
import { createSandbox, type Sandbox } from './lib/sandbox.js';
import { Service } from './lib/service.js';
import { fmt } from './lib/stats.js';
import { XminWatch, xminNote } from './lib/xmin-watch.js';
import { toOutgoing } from '../src/outbox/batches.js';
import { claimBatch, keyOf } from '../src/outbox/sql.js';
import { ZERO_ENTRY as ZERO_KEY } from '../src/wire/entry-id.js';

// DESIGN.md "Performance": one relay drains a 100k-event backlog at ≥ 100,000 events/s.
const TARGET_EVENTS_PER_S = 100_000;
/** The service's default L01_RELAY_BATCH_SIZE, unless the environment sets one. */
const batchSize = () => Number(process.env.L01_RELAY_BATCH_SIZE ?? 1000);

interface ClaimResult {
  events: number;
  batches: number;
  seconds: number;
  eventsPerSecond: number;
  meanMessageBytes: number;
}

async function claimBaseline(sb: Sandbox): Promise<ClaimResult> {
  const client = await sb.db.connect();
  try {
    await claimBatch(client, 1, ZERO_KEY); // prepares the named statement, as the relay's first claim does
    let after = ZERO_KEY;
    let events = 0;
    let batches = 0;
    let bytes = 0;
    const start = performance.now();
    for (;;) {
      const batch = await claimBatch(client, batchSize(), after);
      if (batch.length === 0) break;
      events += batch.length;
      batches++;
      // The messages as the relay writes them (wire/message.ts), from the claimed parts.
      for (const e of batch) bytes += toOutgoing(e).message.length;
      after = keyOf(batch.at(-1)!);
    }
    const seconds = (performance.now() - start) / 1000;
    return { events, batches, seconds, eventsPerSecond: events / seconds, meanMessageBytes: Math.round(bytes / Math.max(1, events)) };
  } finally {
    client.release();
  }
}

interface Drain {
  /** Seconds from spawning the worker to the first entry and to the last one. */
  firstEntryS: number;
  lastEntryS: number;
  entriesAtFirstSight: number;
  eventsPerSecond: number;
  eventsPerSecondFromSpawn: number;
  curve: Array<{ s: number; xlen: number }>;
  entityStreamLength: number;
}

async function timeDrain(sb: Sandbox, worker: Service, backlog: number): Promise<Drain> {
  const spawned = performance.now();
  const deadline = spawned + 60_000 + backlog; // a minute plus 1 ms per event
  const curve: Array<{ s: number; xlen: number }> = [];
  let first: { t: number; xlen: number } | null = null;
  let xlen = 0;
  while (xlen < backlog) {
    worker.assertRunning();
    if (performance.now() > deadline) throw new Error(`relay drained ${xlen} of ${backlog} events in ${fmt((performance.now() - spawned) / 1000)} s; see ${worker.logFile}`);
    await sleep(5);
    xlen = await sb.redis.xlen(sb.globalStream);
    const t = performance.now();
    if (xlen > 0 && !first) first = { t, xlen };
    const s = (t - spawned) / 1000;
    if (curve.length === 0 || s - curve.at(-1)!.s >= 0.02 || xlen >= backlog) curve.push({ s, xlen });
    if (first) progress.step('relay draining', `${xlen}/${backlog}`);
  }
  const last = performance.now();
  const measured = backlog - first!.xlen;
  return {
    firstEntryS: (first!.t - spawned) / 1000,
    lastEntryS: (last - spawned) / 1000,
    entriesAtFirstSight: first!.xlen,
    // Events that arrived after the first sighting, over the time they took.
    eventsPerSecond: measured > 0 ? measured / ((last - first!.t) / 1000) : Number.NaN,
    eventsPerSecondFromSpawn: backlog / ((last - spawned) / 1000),
    curve,
    entityStreamLength: await sb.redis.xlen(`${sb.prefix}stream:events:agent`),
  };
}

export async function relayDrain(ctx: RunContext): Promise<BenchResult> {
  const { backlog } = ctx.opts.sizes;
  const sb = await createSandbox(ctx.opts, ctx.runId, 'drain');
  const notes: string[] = [];
  try {
    progress.step('starting the API only (npm run start:api)');
    const api = Service.start('api', sb.serviceEnv, 'drain');
    const apiRss = ctx.rss.watch('drain', api);
    try {
      await api.waitReady(sb.baseUrl);
      apiRss.ready();
      progress.step('writing the backlog through the API', `0/${backlog}`);
      const written = await load({
        url: `${sb.baseUrl}/api/agents`, method: 'POST', body: AGENT_BODY, connections: 32, amount: backlog,
        onProgress: (n) => progress.step('writing the backlog through the API', `${n}/${backlog}`),
      });
      if (written.non2xx || written.errors) throw new Error(`writing the backlog: ${written.non2xx} non-2xx answers, ${written.errors} errors`);
      const { rows } = await sb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      if (rows[0]!.n !== backlog) throw new Error(`expected ${backlog} outbox rows, found ${rows[0]!.n}`);

      progress.step('baseline: claim SQL alone');
      const claim = await claimBaseline(sb);
      progress.step('baseline: redis-benchmark XADD');
      const xadd = await xaddBaseline(ctx.opts.redisUrl, sb.redis, `${sb.prefix}bench:xadd`, {
        entries: Math.max(100_000, backlog), pipeline: 64, messageBytes: claim.meanMessageBytes,
      });

      progress.step('starting the relay (npm run start:worker)');
      const worker = Service.start('worker', sb.serviceEnv, 'drain');
      const workerRss = ctx.rss.watch('drain', worker);
      try {
        const xmin = new XminWatch(sb.db, sb.dbName);
        const drain = await timeDrain(sb, worker, backlog).finally(() => {
          const note = xminNote(xmin.stop());
          if (note) notes.push(note);
        });
        if (drain.entityStreamLength !== backlog) notes.push(`entity stream holds ${drain.entityStreamLength} entries, expected ${backlog}`);
        return report(backlog, written.rps, claim, xadd, drain, notes);
      } finally {
        workerRss.stop();
        progress.step('stopping the relay');
        await worker.stop();
      }
    } finally {
      apiRss.stop();
      progress.step('stopping the API');
      await api.stop();
    }
  } finally {
    await sb.dispose();
  }
}

function report(backlog: number, writeRps: number, claim: ClaimResult, xadd: XaddResult, drain: Drain, notes: string[]): BenchResult {
  const target = { on: 'value' as const, op: '>=' as const, limit: TARGET_EVENTS_PER_S };
  const figures = [
    figure({ bench: 'drain', name: `relay drain, ${backlog} events`, value: drain.eventsPerSecond, unit: 'events/s', baseline: { name: 'claim SQL alone', value: claim.eventsPerSecond }, target }),
    figure({ bench: 'drain', name: `relay drain, ${backlog} events`, value: drain.eventsPerSecond, unit: 'events/s', baseline: { name: 'redis-benchmark XADD -P 64', value: xadd.entriesPerSecond } }),
    figure({ bench: 'drain', name: 'relay drain incl. worker start-up', value: drain.eventsPerSecondFromSpawn, unit: 'events/s', baseline: { name: 'relay drain', value: drain.eventsPerSecond } }),
  ];
  const rows = [
    ['relay: outbox → streams + pub/sub', fmt(drain.eventsPerSecond), `${fmt(drain.lastEntryS - drain.firstEntryS)} s for ${backlog - drain.entriesAtFirstSight} events after the first ${drain.entriesAtFirstSight}`],
    ['relay, from worker spawn', fmt(drain.eventsPerSecondFromSpawn), `first entry ${fmt(drain.firstEntryS)} s, last ${fmt(drain.lastEntryS)} s after spawn`],
    ['baseline: claim SQL alone', fmt(claim.eventsPerSecond), `${claim.batches} batches of ≤ ${batchSize()}, ${claim.meanMessageBytes} B/message`],
    ['baseline: redis-benchmark XADD', fmt(xadd.entriesPerSecond), `${xadd.entries} entries, pipeline ${xadd.pipeline}, ${xadd.messageBytes} B`],
    ['(backlog written through the API)', fmt(writeRps), `${backlog} POST /api/agents, 32 connections, relay stopped`],
  ];
  const rates = [
    { what: 'relay', rate: drain.eventsPerSecond },
    { what: 'claim SQL', rate: claim.eventsPerSecond },
    { what: 'XADD -P 64', rate: xadd.entriesPerSecond },
  ];
  return {
    name: 'drain',
    title: `Relay drain: ${backlog} events backlog → global stream`,
    table: { headers: ['what', 'events/s', 'detail'], rows },
    figures,
    notes,
    data: { backlog, batchSize: batchSize(), writeRps, claim, xadd, drain },
    plot: {
      title: `Relay drain of a ${backlog}-event backlog`,
      hconcat: [
        {
          title: 'global stream length after the worker starts', width: 320, height: 240, data: { values: drain.curve },
          mark: 'line',
          encoding: {
            x: { field: 's', type: 'quantitative', title: 's since worker spawn' },
            y: { field: 'xlen', type: 'quantitative', title: 'XLEN' },
          },
        },
        {
          title: 'events/s (red: target)', width: 260, height: 240,
          layer: [
            {
              data: { values: rates },
              encoding: { x: { field: 'what', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } }, y: { field: 'rate', type: 'quantitative', title: 'events/s' } },
              layer: [{ mark: 'bar' }, { mark: { type: 'text', dy: -6 }, encoding: { text: { field: 'rate', type: 'quantitative', format: ',.0f' } } }],
            },
            { data: { values: [{ y: TARGET_EVENTS_PER_S }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'red' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
          ],
        },
      ],
    },
  };
}
