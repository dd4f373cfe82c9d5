/**
 * 2. End-to-end latency: writes paced at a steady rate (open loop: request i starts at
 * t0 + i / rate whatever the answers do), each timed from the moment its HTTP request
 * starts to (a) its pub/sub message and (b) its entry read by a consumer group
 * (XREADGROUP BLOCK on the global stream). Matched by entity id, which the client chooses.
 * Baseline: the HTTP answer itself (the write committed), timed the same way.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { AGENT_BODY, sleep, until, type RunContext } from './lib/context.js';
import { Client, type Timed } from './lib/http.js';
import { progress } from './lib/progress.js';
import { figure, type BenchResult, type Figure } from './lib/report.js';
import { createSandbox, type Sandbox } from './lib/sandbox.js';
import { Service } from './lib/service.js';
import { cdf, distribution, fmt, percentile, type Distribution } from './lib/stats.js';
import { XminWatch, xminNote } from './lib/xmin-watch.js';

// DESIGN.md "Performance": p50 ≤ 2 ms, p99 ≤ 10 ms at a steady 300 writes/s.
const TARGET_P50_MS = 2;
const TARGET_P99_MS = 10;
const WARMUP_WRITES = 100;

/** Receive times (performance.now()) by entity id, from pub/sub and from a consumer group. */
class Receivers {
  readonly pubsub = new Map<string, number>();
  readonly stream = new Map<string, number>();
  private readonly sub: Redis;
  private readonly reader: Redis;
  private running = true;
  private readLoop: Promise<void> = Promise.resolve();

  constructor(private readonly sb: Sandbox, redisUrl: string) {
    this.sub = new Redis(redisUrl);
    this.reader = new Redis(redisUrl);
  }

  async start(): Promise<void> {
    this.sub.on('message', (_channel: string, message: string) => {
      const t = performance.now();
      this.pubsub.set((JSON.parse(message) as { entity_id: string }).entity_id, t);
    });
    await this.sub.subscribe(`${this.sb.prefix}events:agent_created`);
    await this.reader.xgroup('CREATE', this.sb.globalStream, 'bench', '$', 'MKSTREAM');
    this.readLoop = this.read();
  }

  private async read(): Promise<void> {
    while (this.running) {
      const reply = (await this.reader.xreadgroup('GROUP', 'bench', 'reader', 'COUNT', 1000, 'BLOCK', 200, 'STREAMS', this.sb.globalStream, '>')) as
        | Array<[string, Array<[string, string[]]>]>
        | null;
      const t = performance.now();
      for (const [, entries] of reply ?? []) {
        for (const [, fields] of entries) {
          const data = fields[fields.indexOf('data') + 1]!;
          this.stream.set((JSON.parse(data) as { entity_id: string }).entity_id, t);
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.readLoop.catch(() => {});
    this.sub.disconnect();
    this.reader.disconnect();
  }
}

interface Sent {
  id: string;
  startedAt: number;
  answer?: Timed;
  error?: string;
}

/** Open-loop pacing: request i is due at t0 + i * interval. */
async function pacedWrites(client: Client, rate: number, seconds: number): Promise<{ sent: Sent[]; lateMs: number[] }> {
  const count = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const sent: Sent[] = [];
  const lateMs: number[] = [];
  const inflight: Promise<void>[] = [];
  const t0 = performance.now() + 20;
  for (let i = 0; i < count; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait); // timers fire up to ~1 ms late: the lag is recorded, and latency counts from the real start
    lateMs.push(performance.now() - due);
    const s: Sent = { id: randomUUID(), startedAt: performance.now() };
    sent.push(s);
    inflight.push(client.request('POST', '/api/agents', { id: s.id, ...AGENT_BODY }).then(
      (answer) => { s.startedAt = answer.startedAt; s.answer = answer; },
      (err: Error) => { s.error = err.message; },
    ));
    if (i % rate === 0) progress.step(`paced writes at ${rate}/s`, `${i}/${count}`);
  }
  await Promise.all(inflight);
  return { sent, lateMs };
}

export async function latency(ctx: RunContext): Promise<BenchResult> {
  const { pacedRate: rate, pacedSeconds: seconds } = ctx.opts.sizes;
  const sb = await createSandbox(ctx.opts, ctx.runId, 'latency');
  const client = new Client(sb.baseUrl);
  const rx = new Receivers(sb, ctx.opts.redisUrl);
  const notes: string[] = [];
  try {
    progress.step('starting the service (npm start)');
    const service = Service.start('all', sb.serviceEnv, 'latency');
    const rss = ctx.rss.watch('latency', service);
    try {
      await service.waitReady(sb.baseUrl);
      await service.waitChildren();
      rss.ready();
      await rx.start();
      progress.step('warm-up');
      for (let i = 0; i < WARMUP_WRITES; i++) await client.request('POST', '/api/agents', AGENT_BODY);
      await until(async () => rx.stream.size >= WARMUP_WRITES, 10_000, 20);
      rx.pubsub.clear();
      rx.stream.clear();

      const xmin = new XminWatch(sb.db, sb.dbName);
      const { sent, lateMs } = await pacedWrites(client, rate, seconds);
      progress.step('waiting for the last messages');
      const ok = sent.filter((s) => s.answer?.status === 201);
      await until(async () => ok.every((s) => rx.pubsub.has(s.id) && rx.stream.has(s.id)), 15_000, 20);
      const note = xminNote(xmin.stop());
      if (note) notes.push(note);
      service.assertRunning();
      return report(rate, sent, rx, lateMs, notes);
    } finally {
      rss.stop();
      await rx.stop();
      progress.step('stopping the service');
      await service.stop();
    }
  } finally {
    client.close();
    await sb.dispose();
  }
}

function report(rate: number, sent: Sent[], rx: Receivers, lateMs: number[], notes: string[]): BenchResult {
  const ok = sent.filter((s) => s.answer?.status === 201);
  const failed = sent.length - ok.length;
  if (failed) notes.push(`${failed} of ${sent.length} writes failed: ${sent.find((s) => s.answer?.status !== 201)?.error ?? sent.find((s) => s.answer?.status !== 201)?.answer?.body.slice(0, 200)}`);
  const since = (at: Map<string, number>) => ok.filter((s) => at.has(s.id)).map((s) => at.get(s.id)! - s.startedAt);
  const http = distribution(ok.map((s) => s.answer!.ms));
  const pubsub = distribution(since(rx.pubsub));
  const stream = distribution(since(rx.stream));
  for (const [name, d] of [['pub/sub', pubsub], ['stream', stream]] as const) {
    if (d.n < ok.length) notes.push(`${name}: ${ok.length - d.n} of ${ok.length} committed writes never arrived within 15 s`);
  }
  const late = distribution(lateMs);
  if (http.p50 > 50) notes.push(`the writes themselves queued (HTTP answer p50 ${fmt(http.p50)} ms at ${rate}/s): the API could not keep up on this machine at this time, so the end-to-end figures mostly measure that queue`);
  if (late.p99 > 2) notes.push(`the load generator started requests late (p99 ${fmt(late.p99)} ms behind schedule): the harness itself was short of CPU`);

  const figures: Figure[] = [];
  for (const [path, d] of [['pub/sub message', pubsub], ['consumer-group read', stream]] as const) {
    const fig = (p: keyof Distribution, limit?: number) =>
      figure({
        bench: 'latency', name: `request → ${path}, ${p}`, value: d[p], unit: 'ms',
        baseline: { name: `HTTP answer ${p}`, value: http[p] },
        ...(limit !== undefined ? { target: { on: 'value' as const, op: '<=' as const, limit } } : {}),
      });
    figures.push(fig('p50', TARGET_P50_MS), fig('p95'), fig('p99', TARGET_P99_MS), fig('max'));
  }
  const row = (name: string, d: Distribution) => [name, String(d.n), fmt(d.p50), fmt(d.p95), fmt(d.p99), fmt(d.max)];

  // Per-second p99 for the time series, by when the request started.
  const t0 = ok[0]?.startedAt ?? 0;
  const perSecond: Array<{ second: number; path: string; p99: number }> = [];
  for (const [path, at] of [['pub/sub', rx.pubsub], ['stream read', rx.stream]] as const) {
    const buckets = new Map<number, number[]>();
    for (const s of ok) {
      const r = at.get(s.id);
      if (r === undefined) continue;
      const sec = Math.floor((s.startedAt - t0) / 1000);
      buckets.set(sec, [...(buckets.get(sec) ?? []), r - s.startedAt]);
    }
    for (const [second, v] of buckets) perSecond.push({ second, path, p99: percentile(v.sort((a, b) => a - b), 99) });
  }
  const curves = [
    ...cdf(ok.map((s) => s.answer!.ms)).map((p) => ({ ...p, path: 'HTTP answer' })),
    ...cdf(since(rx.pubsub)).map((p) => ({ ...p, path: 'pub/sub' })),
    ...cdf(since(rx.stream)).map((p) => ({ ...p, path: 'stream read' })),
  ];
  return {
    name: 'latency',
    title: `End-to-end latency at ${rate} writes/s: request start → pub/sub and → consumer-group read`,
    table: { headers: ['from request start to', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows: [row('HTTP answer (committed)', http), row('pub/sub message', pubsub), row('XREADGROUP (global stream)', stream)] },
    figures,
    notes,
    data: { rate, sent: sent.length, committed: ok.length, http, pubsub, stream, scheduleLagMs: late, perSecond },
    plot: {
      title: `End-to-end latency at ${rate} writes/s`,
      hconcat: [
        {
          title: 'distribution', width: 300, height: 240, data: { values: curves },
          mark: 'line',
          encoding: {
            x: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'ms from request start (log)' },
            y: { field: 'percentile', type: 'quantitative', title: 'percentile' },
            color: { field: 'path', type: 'nominal', title: null },
          },
        },
        {
          title: 'p99 per second', width: 300, height: 240, data: { values: perSecond },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'second', type: 'quantitative', title: 'second of the run' },
            y: { field: 'p99', type: 'quantitative', title: 'p99 ms' },
            color: { field: 'path', type: 'nominal', title: null },
          },
        },
      ],
    },
  };
}
