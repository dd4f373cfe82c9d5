/**
 * Fault: Redis is switched to an evicting maxmemory-policy while running (CONFIG SET
 * maxmemory-policy allkeys-lru, with maxmemory below what it holds). Before, the policy was
 * checked only at start: the entity stream was emptied and nobody noticed. Now every
 * worker watches the policy and memory: it logs the policy and the evictions, exports them,
 * readiness is 503 naming redis ("maxmemory-policy is allkeys-lru") while it lasts; an
 * eviction makes the leader audit the streams at once, and a stream found gone is healed
 * from the event log. Here the victim is an idle stream (`goal`: written, then left alone
 * while agents are written), the least recently used key. Once noeviction is back the
 * checker finds every event in its streams exactly once.
 */
import { afterAll, expect, it } from 'vitest';
import { request } from './support/load.js';
import { ensureCheckerGroup, metric, readinessUntil, workerMetrics } from './support/redis-faults.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { freePort, sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const GOALS = 30;
const GOAL_STREAM = 'l01:stream:events:goal';

it('readiness names redis while it evicts, and an evicted stream is healed from the log', async () => {
  s = await startScenario({
    name: 'Redis switched to allkeys-lru', workers: 1,
    workerEnv: { L01_REDIS_WATCH_INTERVAL_MS: '200', L01_STREAM_AUDIT_INTERVAL_MS: '1000', L01_WORKER_METRICS_PORT: String(await freePort()) },
  });
  const worker = s.workers[0]!;
  const redis = s.redis.client();
  try {
    // A fat stream that then sits idle: goals of one agent, 50 KB each.
    const agent = await request(s.api.baseUrl, 'POST', '/api/agents', { name: 'owner', agent_type: 'fault-test' });
    const agentId = (agent.body as { id: string }).id;
    const acks = [{ entityType: 'agent', entityId: agentId, version: 1 }];
    for (let i = 0; i < GOALS; i++) {
      const goal = await request(s.api.baseUrl, 'POST', '/api/goals', { agent_id: agentId, description: `goal ${i} ${'g'.repeat(50_000)}` });
      expect(goal.status).toBe(201);
      acks.push({ entityType: 'goal', entityId: (goal.body as { id: string }).id, version: 1 });
    }
    s.checker.record(acks);
    const load = s.load({ rate: 50, concurrency: 2, maxWrites: 100_000 });
    for (const deadline = Date.now() + 10_000; (await redis.xlen(GOAL_STREAM)) < GOALS;) {
      expect(Date.now() < deadline, 'goals published').toBe(true);
      await sleep(50);
    }
    await sleep(4000); // the goal stream idles; agents and the global stream stay hot

    const info = await redis.info('memory');
    const used = Number(/^used_memory:(\d+)/m.exec(info)![1]);
    const from = worker.logs.length;
    // Redis says which keys it evicts (keyspace notifications): the leader may heal the goal
    // stream within tens of milliseconds of its eviction, so polling for its absence can miss it.
    await redis.config('SET', 'notify-keyspace-events', 'Ee');
    const evictions = redis.duplicate();
    const evicted = new Set<string>();
    let goalEvicted!: () => void;
    const goalGoneOnce = new Promise<void>((resolve) => { goalEvicted = resolve; });
    evictions.on('message', (_channel: string, key: string) => { evicted.add(key); if (key === GOAL_STREAM) goalEvicted(); });
    await evictions.subscribe('__keyevent@0__:evicted');
    await redis.config('SET', 'maxmemory', String(used - 512 * 1024));
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    let goalGone = false;
    const watching = Promise.race([goalGoneOnce.then(() => { goalGone = true; }), sleep(30_000)]);
    const evicting = await readinessUntil(s.api.baseUrl, (r) => r.status === 503, 5000, '503 while evicting');
    expect(evicting.checks).toEqual({ database: 'healthy', redis: 'unhealthy' });
    expect(evicting.problems?.redis).toMatch(/maxmemory-policy is allkeys-lru/);
    await worker.waitForLog((l) => /^Redis: maxmemory-policy is allkeys-lru/.test(l.msg ?? ''), 5000, from);
    await worker.waitForLog((l) => /^Redis evicted keys/.test(l.msg ?? ''), 10_000, from);
    await watching;
    evictions.disconnect();
    const during = await workerMetrics(worker);
    const evictedKeys = Number(/^evicted_keys:(\d+)/m.exec(await redis.info('stats'))![1]);

    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', '0');
    await ensureCheckerGroup(redis); // in case the global stream went too
    const ready = await readinessUntil(s.api.baseUrl, (r) => r.status === 200, 5000, '200 after noeviction is back');
    await worker.waitForLog('Redis accepts writes and evicts nothing again', 5000, from);
    await worker.waitForLog((l) => l.msg === 'streams healed from the event log' && JSON.stringify(l.fields.streams ?? {}).includes(GOAL_STREAM), 20_000, from);
    await load.acknowledged(100);
    const stats = await load.stop();
    expect(Object.keys(stats.byStatus).sort()).toEqual(['200', '201']);
    // Evicted BullMQ job keys can take a published batch's reply with them; sent again after
    // the global stream was evicted too, nothing in Redis says it went: its PUBLISH repeats.
    const report = await s.finish({ pubsubDuplicates: 'allowed' });
    const after = await workerMetrics(worker);
    console.log(`[Redis switched to allkeys-lru] maxmemory ${used - 512 * 1024} B: ${evictedKeys} keys evicted (${evicted.size} notified until the goal stream went), goal stream evicted: ${goalGone}; ` +
      `readiness ${evicting.status} ${JSON.stringify(evicting.problems)}, l01_redis_evicting ${metric(during, 'l01_redis_evicting')}; ` +
      `heals: ${worker.logs.filter((l) => l.msg === 'streams healed from the event log').map((l) => `${JSON.stringify(l.fields.streams)} in ${l.fields.ms} ms`).join(', ')}; l01_stream_healed_entries_total{goal} ${metric(after, 'l01_stream_healed_entries_total', `stream="${GOAL_STREAM}"`)}; readiness after ${ready.status}`);
    expect(goalGone, 'the idle entity stream was evicted').toBe(true);
    expect(metric(during, 'l01_redis_evicting')).toBe(1);
    expect(metric(after, 'l01_stream_healed_entries_total', `stream="${GOAL_STREAM}"`)).toBeGreaterThanOrEqual(GOALS);
    expect(await redis.xlen(GOAL_STREAM)).toBe(GOALS);
    expect(report.dead_letters).toBe(0);
    expect(worker.alive).toBe(true);
  } finally {
    redis.disconnect();
  }
}, 150_000);
