/**
 * Fault: a worker is frozen (SIGSTOP) while it holds a publish job, for longer than the
 * BullMQ lock (L01_RELAY_LOCK_MS=2000 on every worker); the other worker's stalled-job
 * check hands the job on and publishes it; then the frozen worker is resumed (SIGCONT) and
 * finishes its stale run: a zombie publish. Redis refuses its appends and, because the
 * XADD and the PUBLISH are one script, it PUBLISHes nothing either.
 *
 * Freezing exactly while a job is held is luck, so each attempt freezes a worker (the
 * leader and the other one in turn) and looks at BullMQ's active list: a job still active
 * half a second later is held by the frozen process (a live one finishes it in
 * milliseconds). Otherwise the worker is resumed at once and the next attempt follows.
 *
 * Then the zombie leader: the leader is frozen and deposed meanwhile (its Postgres session
 * terminated, so the advisory lock passes to the standby, which relays on), and resumed
 * still believing it leads. Whatever it finishes before noticing is harmless.
 */
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { RELAY_LOCK_KEY } from '../../src/outbox/leadership.js';
import { currentLeader, waitForLeader, type Service } from './support/processes.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const LOCK_MS = 2000;
/** Lock expiry plus two stalled-check passes (every lock / 2: one marks, the next moves) plus margin. */
const FROZEN_MS = LOCK_MS + LOCK_MS + 1000;
const ZOMBIES_WANTED = 2;
const MAX_ATTEMPTS = 40;
const ACTIVE = 'l01:bull:publish:active';

const activeJobs = async (redis: Redis) => (await redis.lrange(ACTIVE, 0, -1)).sort().join(',');

it('a publisher frozen past its BullMQ lock and resumed duplicates nothing, in the stream or on pub/sub', async () => {
  s = await startScenario({ name: 'worker SIGSTOP/SIGCONT', workers: 2, workerEnv: { L01_RELAY_LOCK_MS: String(LOCK_MS) } });
  const redis = s.redis.client();
  try {
    const load = s.load({ rate: 150, concurrency: 4, maxWrites: 4000 });
    await load.acknowledged(50);

    // The zombie leader.
    const leader = await waitForLeader(s.workers);
    const standby = s.workers.find((w) => w.alive && w !== leader)!;
    // Counted before the deposition: the standby may take over before the admin connection
    // below has even closed (it retries every second; connecting alone took longer in a CI run).
    const standbyFrom = standby.logs.length;
    leader.signal('SIGSTOP');
    const admin = new pg.Client({ connectionString: s.db.url });
    await admin.connect();
    const { rows: deposed } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND granted`, [RELAY_LOCK_KEY]);
    await admin.end();
    expect(deposed, 'the frozen leader held the relay lock').toHaveLength(1);
    await standby.waitForLog('became relay leader', 10_000, standbyFrom);
    const before = s.checker.reader.entries.length;
    for (const deadline = Date.now() + 15_000; s.checker.reader.entries.length < before + 100 && Date.now() < deadline;) await sleep(50);
    expect(s.checker.reader.entries.length, 'the new leader relays while the old one is frozen').toBeGreaterThanOrEqual(before + 100);
    const resumedFrom = leader.logs.length;
    leader.signal('SIGCONT');
    await leader.waitForLog('relay leadership ended', 10_000, resumedFrom);

    let zombies = 0;
    let attempts = 0;
    const handedOn: string[] = [];
    while (zombies < ZOMBIES_WANTED && attempts < MAX_ATTEMPTS) {
      attempts++;
      const alive = s.workers.filter((w) => w.alive);
      const leader = currentLeader(alive);
      const victim: Service = (attempts % 2 === 0 ? alive.find((w) => w !== leader) : leader) ?? alive[0]!;
      victim.signal('SIGSTOP');
      await sleep(300);
      const held = await activeJobs(redis);
      await sleep(200);
      if (held === '' || (await activeJobs(redis)) !== held) {
        victim.signal('SIGCONT');
        await sleep(100 + Math.random() * 300);
        continue;
      }
      // Caught holding job(s) `held`: stay frozen past the lock, while another worker takes it.
      zombies++;
      await sleep(FROZEN_MS);
      const stillActive = (await activeJobs(redis)).split(',');
      handedOn.push(...held.split(',').filter((id) => !stillActive.includes(id)));
      victim.signal('SIGCONT');
      await sleep(500);
    }
    const stats = await load.stop();
    console.log(`[worker SIGSTOP/SIGCONT] freeze attempts=${attempts} zombies=${zombies} jobs handed on while frozen=${handedOn.length}; zombie leader deposed and resumed`);
    expect(zombies, 'no freeze caught a worker holding a job: the fault was never injected').toBeGreaterThan(0);
    expect(handedOn.length, 'a job held by a frozen worker is handed on after its lock expires').toBeGreaterThan(0);
    expect(Object.keys(stats.byStatus).sort()).toEqual(['200', '201']);
    expect(s.workers.every((w) => w.alive), 'resumed workers keep running').toBe(true);
    await s.finish();
  } finally {
    redis.disconnect();
  }
}, 180_000);
