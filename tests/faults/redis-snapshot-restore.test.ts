/**
 * Fault: Redis comes back from an older snapshot. Under write load an RDB snapshot is
 * taken (SAVE), writes go on, then Redis is SIGKILLed and started from that snapshot: the
 * streams end where they ended then, far behind what the relay had published. Before,
 * the entries published since (150 in the run) were gone for good, silently.
 * Now the relay leader finds each stream below what it published (its publish job refuses
 * to append above the gap, and its audit compares every stream), re-publishes the missing
 * range from the event log under the original ids, marked `replayed`, logs and counts it,
 * and the checker finds every event in the streams exactly once, in order.
 */
import { afterAll, expect, it } from 'vitest';
import { ensureCheckerGroup, metric, readinessUntil, restartFrom, snapshot, workerMetrics } from './support/redis-faults.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { freePort } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

it('heals the streams from the log after Redis restarts from an older snapshot', async () => {
  s = await startScenario({
    name: 'Redis restored from an older snapshot', workers: 1,
    workerEnv: { L01_STREAM_AUDIT_INTERVAL_MS: '1000', L01_WORKER_METRICS_PORT: String(await freePort()) },
  });
  const worker = s.workers[0]!;
  const redis = s.redis.client();
  try {
    const load = s.load({ rate: 60, concurrency: 3, maxWrites: 100_000 });
    await load.acknowledged(150);
    const rdb = await snapshot(s.redis, redis);
    const atSnapshot = await redis.xlen('l01:stream:events');
    await load.acknowledged(200);
    await s.checker.settle(500, 10_000);
    const beforeKill = await redis.xlen('l01:stream:events');

    const from = worker.logs.length;
    const killedAt = Date.now();
    await restartFrom(s.redis, rdb);
    const restored = await redis.xlen('l01:stream:events');
    await ensureCheckerGroup(redis);
    const detected = await worker.waitForLog('Redis lost stream entries; re-publishing them from the event log', 20_000, from);
    const healed = await worker.waitForLog('streams healed from the event log', 20_000, from);
    await load.acknowledged(100);
    const stats = await load.stop();
    expect(Object.keys(stats.byStatus).sort(), 'writes do not depend on Redis').toEqual(['200', '201']);

    const report = await s.finish();
    const text = await workerMetrics(worker);
    const healedEntries = metric(text, 'l01_stream_healed_entries_total', 'stream="l01:stream:events"');
    const ready = await readinessUntil(s.api.baseUrl, (r) => r.status === 200, 10_000, 'healthy after healing');
    console.log(`[Redis restored from an older snapshot] global stream: ${atSnapshot} entries at the snapshot, ${beforeKill} before the kill, ${restored} after the restore; ` +
      `lost stream entries logged ${detected.at - killedAt} ms after the kill; healed ${JSON.stringify(healed.fields.streams)} in ${healed.fields.ms} ms; ` +
      `l01_stream_healed_entries_total{global} ${healedEntries}; readiness ${ready.status}`);
    expect(restored, 'the snapshot is older than what was published').toBeLessThan(beforeKill);
    expect(healedEntries, 'every entry the snapshot lacked came back').toBeGreaterThanOrEqual(beforeKill - restored);
    expect(report.dead_letters).toBe(0);
    expect(worker.alive, 'the worker rode it out').toBe(true);
  } finally {
    redis.disconnect();
  }
}, 150_000);
