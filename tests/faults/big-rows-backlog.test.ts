/**
 * Fault: a backlog of big rows. 150 events of ~1 MB each (legal writes, under the 1 MiB body
 * limit), with small ones between them, are queued while no relay runs; then one worker
 * starts, as `npm start` runs it: with the old-space cap of src/runtime.ts. Before batches
 * were bounded by bytes, its first 1,000-event claim held ~150 MB of text plus the copies
 * made from it, passed the cap and crash-looped, delivering nothing. Now a batch carries at
 * most L01_RELAY_BATCH_BYTES: the worker delivers every event, in order, without a restart,
 * and its RSS (sampled every 25 ms, and its high-water mark) stays under 200 MB.
 *
 * The worker runs from the sources through tsx, which costs ~36 MB of RSS over the build
 * `npm start` runs (measured idle: 133 vs 97 MB), so the bound holds with that margin.
 * For measuring: BIG_ROWS_BATCH_BYTES sets the worker's L01_RELAY_BATCH_BYTES;
 * BIG_ROWS_WORKER=dist runs dist/worker.js instead (after `npm run build`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { nodeArgs } from '../../src/runtime.js';
import { DEV_TOKEN } from './support/load.js';
import { Service } from './support/processes.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { freePort, onCleanup, sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIG = 150;
const BIG_BYTES = 1_000_000;
const SMALL_EVERY = 3;
const RSS_LIMIT_MB = 200;

/** VmRSS and VmHWM (peak) of a process, MB. */
function memory(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** A worker started the way the supervisor starts it: with the Node flags of src/runtime.ts. */
async function startCappedWorker(env: Record<string, string>, metricsPort: number): Promise<Service> {
  const entry = process.env.BIG_ROWS_WORKER === 'dist' ? 'dist/worker.js' : 'src/worker.ts';
  const proc = spawn(process.execPath, [...nodeArgs(entry), entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', LOG_LEVEL: 'info',
      L01_WORKER_METRICS_PORT: String(metricsPort), ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker = new Service('worker-capped', proc);
  const unregister = onCleanup({ async: async () => void (await worker.kill()), sync: () => proc.kill('SIGKILL') });
  void worker.exited.then(unregister);
  await worker.waitForLog('worker started', 30_000);
  return worker;
}

async function post(baseUrl: string, body: unknown): Promise<{ id: string; version: number }> {
  const res = await fetch(`${baseUrl}/api/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEV_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  expect(res.status, await res.clone().text().then((t) => t.slice(0, 200))).toBe(201);
  return { id: ((await res.json()) as { id: string }).id, version: 1 };
}

it(`delivers a backlog of ${BIG} ~1 MB events with the worker under ${RSS_LIMIT_MB} MB RSS and no restart`, async () => {
  // No worker yet: the backlog builds up as it did while the relay was stopped.
  s = await startScenario({ name: 'big rows backlog', workers: 0 });
  const acks: Array<{ entityType: string; entityId: string; version: number }> = [];
  s.checker.record(acks);
  const blob = 'x'.repeat(BIG_BYTES);
  for (let i = 0; i < BIG; i++) {
    const big = await post(s.api.baseUrl, { name: `big ${i}`, agent_type: 'fault-test', configuration: { i, blob } });
    acks.push({ entityType: 'agent', entityId: big.id, version: 1 });
    if (i % SMALL_EVERY === 0) {
      const small = await post(s.api.baseUrl, { name: `small ${i}`, agent_type: 'fault-test' });
      acks.push({ entityType: 'agent', entityId: small.id, version: 1 });
    }
  }
  expect(await s.checker.outboxSize()).toBe(acks.length);

  const budget = process.env.BIG_ROWS_BATCH_BYTES;
  const metricsPort = await freePort();
  const started = Date.now();
  const worker = await startCappedWorker({ ...s.env, ...(budget ? { L01_RELAY_BATCH_BYTES: budget } : {}) }, metricsPort);
  let rss = 0;
  let peak = 0;
  const sampler = setInterval(() => {
    const m = memory(worker.pid);
    if (m) {
      rss = Math.max(rss, m.rss);
      peak = Math.max(peak, m.peak);
    }
  }, 25);
  let deliveredMs = 0;
  try {
    for (const deadline = Date.now() + 120_000; s.checker.reader.entries.length < acks.length;) {
      expect(worker.alive, `the worker died\n${worker.tail(10)}`).toBe(true);
      expect(Date.now() < deadline, `${s.checker.reader.entries.length} of ${acks.length} delivered after 120 s`).toBe(true);
      await sleep(50);
    }
    deliveredMs = Date.now() - started;
  } finally {
    clearInterval(sampler);
  }
  const m = memory(worker.pid);
  peak = Math.max(peak, m?.peak ?? 0);
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const figure = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1]);
  const claimed = figure('l01_relay_batch_bytes_sum');
  const claimS = figure('l01_relay_claim_duration_seconds_sum');
  const publishS = figure('l01_relay_publish_duration_seconds_sum');

  const report = await s.finish();
  expect(worker.alive, 'no restart: the same worker process delivered everything').toBe(true);
  expect(worker.unstructured(), 'the worker wrote only structured logs').toEqual([]);
  console.log(`[big rows backlog] ${acks.length} events (${BIG} of ${BIG_BYTES} B): delivered ${deliveredMs} ms after the worker was spawned, ` +
    `${figure('l01_relay_batches_total')} batches (${(claimed / 1048576).toFixed(1)} MiB claimed; claims ${claimS.toFixed(2)} s, publish jobs ${publishS.toFixed(2)} s), ` +
    `L01_RELAY_BATCH_BYTES=${budget ?? 'default'}, worker ${process.env.BIG_ROWS_WORKER === 'dist' ? 'dist' : 'tsx'}; ` +
    `worker RSS max sampled ${rss.toFixed(1)} MB, VmHWM ${peak.toFixed(1)} MB (limit ${RSS_LIMIT_MB})`);
  expect(peak, 'worker peak RSS, MB').toBeLessThanOrEqual(RSS_LIMIT_MB);
  expect(report.lost).toBe(0);
  await worker.stop();
}, 300_000);
