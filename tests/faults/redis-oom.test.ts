/**
 * Fault: Redis runs out of memory (maxmemory lowered below what it holds, policy
 * noeviction, as production must have): every write is refused with "OOM command not
 * allowed". Before, readiness stayed 200 throughout. Now readiness is 503 naming redis
 * ("out of memory") for as long as it lasts, the workers log it and export it
 * (`l01_redis_out_of_memory`), writes still commit (the outbox holds their events),
 * nothing is dead-lettered (Redis's state is not an event's fault), and once memory is
 * raised readiness is 200 again and the relay delivers everything, once, in order.
 */
import { afterAll, expect, it } from 'vitest';
import { metric, readinessUntil, workerMetrics } from './support/redis-faults.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { freePort, sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const OOM_MS = 3000;

function memoryOf(info: string): { used: number; notCounted: number } {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { used: field('used_memory'), notCounted: field('mem_not_counted_for_evict') };
}

it('readiness names redis while it is out of memory; nothing is lost or dead-lettered, and it recovers', async () => {
  s = await startScenario({
    name: 'Redis out of memory', workers: 1,
    workerEnv: { L01_REDIS_WATCH_INTERVAL_MS: '200', L01_WORKER_METRICS_PORT: String(await freePort()) },
  });
  const worker = s.workers[0]!;
  const redis = s.redis.client();
  try {
    const load = s.load({ rate: 60, concurrency: 3, maxWrites: 100_000 });
    await load.acknowledged(100);
    expect((await readinessUntil(s.api.baseUrl, (r) => r.status === 200, 5000, 'healthy before')).status).toBe(200);

    const m = memoryOf(await redis.info('memory'));
    const limit = Math.max(1024 * 1024, Math.floor((m.used - m.notCounted) * 0.9));
    const from = worker.logs.length;
    await redis.config('SET', 'maxmemory', String(limit));
    const oom = await readinessUntil(s.api.baseUrl, (r) => r.status === 503, 5000, '503 during the OOM');
    expect(oom.checks).toEqual({ database: 'healthy', redis: 'unhealthy' });
    expect(oom.problems?.redis).toMatch(/out of memory/);
    await worker.waitForLog((l) => /^Redis: out of memory/.test(l.msg ?? ''), 5000, from);
    await sleep(OOM_MS);
    const during = await workerMetrics(worker);
    const outbox = await s.checker.outboxSize();
    expect(outbox, 'the outbox holds what Redis refuses').toBeGreaterThan(0);
    expect(metric(during, 'l01_redis_out_of_memory')).toBe(1);

    await redis.config('SET', 'maxmemory', '0');
    const ready = await readinessUntil(s.api.baseUrl, (r) => r.status === 200, 5000, '200 after the OOM');
    await worker.waitForLog('Redis accepts writes and evicts nothing again', 5000, from);
    await load.acknowledged(100);
    const stats = await load.stop();
    expect(Object.keys(stats.byStatus).sort(), 'writes do not depend on Redis').toEqual(['200', '201']);
    const report = await s.finish();
    const after = await workerMetrics(worker);
    console.log(`[Redis out of memory] maxmemory ${limit} B (used ${m.used} B) for ${OOM_MS} ms: readiness ${oom.status} ${JSON.stringify(oom.problems)}, ` +
      `outbox ${outbox} events waiting; after: readiness ${ready.status}, l01_redis_out_of_memory ${metric(after, 'l01_redis_out_of_memory')}, ` +
      `publish retries ${metric(after, 'l01_relay_publish_retries_total')}`);
    expect(metric(after, 'l01_redis_out_of_memory')).toBe(0);
    expect(report.dead_letters, 'an OOM is not an event fault').toBe(0);
    expect(worker.alive).toBe(true);
  } finally {
    redis.disconnect();
  }
}, 120_000);
