/**
 * Fault: Redis restarts with no data (no persistence, a lost volume, a new server at the
 * same address). Every stream is gone; before, 583 of 811 events were missing from them
 * for good, with readiness 200 and not a log line. Now the relay leader finds every stream
 * below what it published, says so on its database session (readiness: 503 naming redis,
 * "streams behind the event log"), re-publishes the whole log into the streams under the
 * original ids, marked `replayed` and without PUBLISHing again, logs and counts it, and
 * readiness is 200 again. The checker's consumer group, lost with the data, is recreated
 * from the start (as any consumer would); it finds every event exactly once, in order.
 *
 * To observe readiness while the streams are behind, the test holds a lock on
 * dead_letters (which the heal's read of the log consults) for a few seconds.
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { ensureCheckerGroup, metric, readinessUntil, restartFrom, workerMetrics } from './support/redis-faults.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { freePort, sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

it('rebuilds the streams from the log after Redis restarts empty, and readiness says so meanwhile', async () => {
  s = await startScenario({
    name: 'Redis restarted empty', workers: 1,
    workerEnv: { L01_STREAM_AUDIT_INTERVAL_MS: '1000', L01_WORKER_METRICS_PORT: String(await freePort()) },
  });
  const worker = s.workers[0]!;
  const redis = s.redis.client();
  const locker = new pg.Client({ connectionString: s.db.url });
  await locker.connect();
  try {
    const load = s.load({ rate: 60, concurrency: 3, maxWrites: 100_000 });
    await load.acknowledged(400);
    await s.checker.settle(500, 10_000);
    const beforeKill = await redis.xlen('l01:stream:events');

    await locker.query('BEGIN');
    await locker.query('LOCK TABLE dead_letters IN ACCESS EXCLUSIVE MODE');
    const from = worker.logs.length;
    const killedAt = Date.now();
    await restartFrom(s.redis, null);
    expect(await redis.exists('l01:stream:events'), 'Redis came back empty').toBe(0);
    await ensureCheckerGroup(redis);
    const detected = await worker.waitForLog('Redis lost stream entries; re-publishing them from the event log', 20_000, from);
    const behind = await readinessUntil(s.api.baseUrl, (r) => r.status === 503, 10_000, '503 while the streams are behind');
    expect(behind.checks).toEqual({ database: 'healthy', redis: 'unhealthy' });
    expect(behind.problems?.redis).toMatch(/streams behind the event log/);
    await sleep(1000);
    await locker.query('ROLLBACK');

    const healed = await worker.waitForLog('streams healed from the event log', 30_000, from);
    const ready = await readinessUntil(s.api.baseUrl, (r) => r.status === 200, 10_000, '200 once healed');
    await load.acknowledged(100);
    const stats = await load.stop();
    expect(Object.keys(stats.byStatus).sort(), 'writes do not depend on Redis').toEqual(['200', '201']);

    const report = await s.finish();
    const text = await workerMetrics(worker);
    const healedEntries = metric(text, 'l01_stream_healed_entries_total', 'stream="l01:stream:events"');
    console.log(`[Redis restarted empty] global stream: ${beforeKill} entries before the kill, 0 after; detected ${detected.at - killedAt} ms after the kill; ` +
      `readiness during: ${behind.status} ${JSON.stringify(behind.problems)}; healed ${JSON.stringify(healed.fields.streams)} in ${healed.fields.ms} ms (dead_letters locked ~1 s of it); ` +
      `l01_stream_healed_entries_total{global} ${healedEntries}; l01_streams_behind ${metric(text, 'l01_streams_behind')}; readiness after: ${ready.status}`);
    expect(healedEntries, 'every entry came back').toBeGreaterThanOrEqual(beforeKill);
    expect(report.dead_letters).toBe(0);
    expect(worker.alive, 'the worker rode it out').toBe(true);
  } finally {
    await locker.end().catch(() => {});
    redis.disconnect();
  }
}, 150_000);
