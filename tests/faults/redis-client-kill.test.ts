/**
 * Fault: Redis drops every client connection (`CLIENT KILL TYPE normal` on the private
 * server) under write load, several times: the publisher's, BullMQ's blocking and
 * non-blocking connections, the queue-events reader. A reply lost with its connection
 * (a script that ran but whose answer never arrived) makes the batch run again: Redis
 * refuses the appends it holds and nothing is PUBLISHed twice.
 */
import { afterAll, expect, it } from 'vitest';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const ROUNDS = 6;

it(`publishes every committed event exactly once when Redis kills all client connections ${ROUNDS} times`, async () => {
  s = await startScenario({ name: `Redis CLIENT KILL x${ROUNDS}`, workers: 1 });
  const admin = s.redis.client();
  try {
    const load = s.load({ rate: 100, concurrency: 4, maxWrites: 1500 });
    await load.acknowledged(50);
    let killed = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      await sleep(300 + Math.random() * 1200);
      // The admin connection is of type normal too; SKIPME (default yes) spares it.
      killed += Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal'));
    }
    const stats = await load.stop();
    console.log(`[Redis CLIENT KILL x${ROUNDS}] connections killed=${killed}`);
    expect(killed).toBeGreaterThan(ROUNDS);
    expect(Object.keys(stats.byStatus).sort()).toEqual(['200', '201']);
    await s.finish();
    expect(s.workers[0]!.alive, 'the worker reconnects by itself').toBe(true);
  } finally {
    admin.disconnect();
  }
}, 150_000);
