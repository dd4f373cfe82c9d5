/**
 * Fault: Postgres is restarted under write load (`pg_ctl restart -m fast` on the private
 * cluster: every session is terminated), twice, and once stopped for a moment longer so
 * the outage can be observed. Meanwhile the API answers 503 (with Retry-After) instead of
 * hanging, readiness says which dependency is down, and both processes recover by
 * themselves: the relay's leader connection and pools reconnect and nothing committed is
 * lost. A write whose commit raced the shutdown may be committed without being
 * acknowledged; the checker counts committed events, so it must be published too.
 */
import { afterAll, expect, it } from 'vitest';
import { request } from './support/load.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const OUTAGE_MS = 1500;

it('answers 503 during Postgres restarts, recovers by itself, and publishes every committed event once', async () => {
  s = await startScenario({ name: 'Postgres restart x3', workers: 1 });
  const cluster = s.cluster!;
  const load = s.load({ rate: 60, concurrency: 4, maxWrites: 1500, timeoutMs: 15_000 });
  await load.acknowledged(50);

  await cluster.restart();
  await load.acknowledged(50);

  // A longer outage, probed directly while the server is down.
  await cluster.stopServer();
  const probeStart = Date.now();
  const ready = await request(s.api.baseUrl, 'GET', '/health/ready');
  const write = await request(s.api.baseUrl, 'POST', '/api/agents', { name: 'during outage', agent_type: 'fault-test' });
  const probeMs = Date.now() - probeStart;
  await sleep(Math.max(0, OUTAGE_MS - probeMs));
  await cluster.startServer();
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ status: 'unhealthy', checks: { database: 'unhealthy', redis: 'healthy' } });
  expect(write.status).toBe(503);
  expect(write.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(write.headers.get('retry-after')).toBeTruthy();
  await load.acknowledged(50);

  await cluster.restart();
  await load.acknowledged(50);
  const stats = await load.stop();

  console.log(`[Postgres restart x3] responses=${JSON.stringify(stats.byStatus)} outage probes answered in ${probeMs} ms`);
  const unexpected = Object.keys(stats.byStatus).filter((k) => !['200', '201', '503'].includes(k));
  expect(unexpected, 'only 200/201 or 503: no 500, no hung or refused request').toEqual([]);
  expect((await request(s.api.baseUrl, 'GET', '/health/ready')).status).toBe(200);
  expect(s.api.alive && s.workers[0]!.alive, 'API and worker survive the restarts').toBe(true);
  await s.finish();
}, 150_000);
