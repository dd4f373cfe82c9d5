/**
 * Fault: the relay process is SIGKILLed at random moments under write load, several
 * times. Two workers run (one relays, both publish); each round kills the current leader
 * (the last round kills both), then starts a replacement. Killed mid-batch, a relay leaves
 * its rows in the outbox and maybe a job held by a dead publisher: the next leader
 * re-publishes and Redis refuses what it already holds, so nothing is lost or doubled.
 */
import { afterAll, expect, it } from 'vitest';
import { currentLeader } from './support/processes.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const ROUNDS = 6;

it(`loses and duplicates nothing when the relay is SIGKILLed ${ROUNDS} times under load`, async () => {
  s = await startScenario({ name: `relay SIGKILL x${ROUNDS}`, workers: 2, workerEnv: { L01_RELAY_LOCK_MS: '2000' } });
  const load = s.load({ rate: 70, concurrency: 4, maxWrites: 1500 });
  await load.acknowledged(30);

  for (let round = 1; round <= ROUNDS; round++) {
    await sleep(150 + Math.random() * 900);
    const alive = s.workers.filter((w) => w.alive);
    const victims = round === ROUNDS ? alive : [currentLeader(alive) ?? alive[Math.floor(Math.random() * alive.length)]!];
    await Promise.all(victims.map((v) => v.kill()));
    await Promise.all(victims.map(() => s!.addWorker()));
  }

  const stats = await load.stop();
  expect(stats.byStatus, 'every write is answered 201/200 (the API does not depend on the relay)').toEqual(
    Object.fromEntries(Object.entries(stats.byStatus).filter(([k]) => k === '200' || k === '201')),
  );
  await s.finish();
}, 150_000);
