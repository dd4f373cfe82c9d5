/**
 * Fault: Redis is SIGKILLed under write load and restarted on the same port (AOF with
 * `appendfsync always`, so what it acknowledged survives). The relay and its BullMQ
 * connections must ride it out without a process restart: publishing waits, nothing is
 * dead-lettered for an outage (it is not the events' fault), and every event committed
 * meanwhile is published once it is back.
 */
import { afterAll, expect, it } from 'vitest';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const ROUNDS = 3;
const OUTAGE_MS = 1500;

it(`publishes every committed event exactly once across ${ROUNDS} Redis SIGKILLs and restarts`, async () => {
  s = await startScenario({ name: `Redis SIGKILL x${ROUNDS}`, workers: 1 });
  const load = s.load({ rate: 80, concurrency: 4, maxWrites: 1500 });
  await load.acknowledged(50);

  for (let round = 1; round <= ROUNDS; round++) {
    await sleep(500 + Math.random() * 1500);
    await s.redis.kill('SIGKILL');
    await sleep(OUTAGE_MS);
    await s.redis.start();
    await load.acknowledged(100); // writes go on; the relay must catch up after each restart
  }

  const stats = await load.stop();
  expect(Object.keys(stats.byStatus).sort(), 'writes do not depend on Redis').toEqual(['200', '201']);
  const report = await s.finish();
  expect(s.workers[0]!.alive, 'the worker reconnects by itself, it is not restarted').toBe(true);
  expect(report.dead_letters, 'a Redis outage is not an event fault: nothing is dead-lettered').toBe(0);
}, 150_000);
