/**
 * Fault: the relay process is SIGKILLed at random moments under write load, several
 * times. Two workers run (one relays, both publish); each round kills the current leader
 * and starts a replacement in the background, so a kill can land while the standby is
 * taking over or while no standby is up yet; the last round kills every worker at once.
 * Killed mid-batch, a relay leaves its rows in the outbox and maybe a job held by a dead
 * publisher: the next leader re-publishes and Redis refuses what it already holds, so
 * nothing is lost or doubled.
 */
import { afterAll, expect, it } from 'vitest';
import { waitForLeader, type Service } from './support/processes.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const ROUNDS = 6;

it(`loses and duplicates nothing when the relay is SIGKILLed ${ROUNDS} times under load`, async () => {
  s = await startScenario({ name: `relay SIGKILL x${ROUNDS}`, workers: 2, workerEnv: { L01_RELAY_LOCK_MS: '2000' } });
  const load = s.load({ rate: 70, concurrency: 4, maxWrites: 1500 });
  await load.acknowledged(30);

  const starting: Array<Promise<Service>> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await sleep(150 + Math.random() * 900);
    const victims = round === ROUNDS ? s.workers.filter((w) => w.alive) : [await waitForLeader(s.workers, 30_000)];
    await Promise.all(victims.map((v) => v.kill()));
    starting.push(...victims.map(() => s!.addWorker()));
  }
  await Promise.all(starting);
  await waitForLeader(s.workers);

  const stats = await load.stop();
  expect(Object.keys(stats.byStatus).sort(), 'the API does not depend on the relay').toEqual(['200', '201']);
  await s.finish();
}, 150_000);
