/**
 * Fault: relay partitions (L01_RELAY_PARTITIONS=4) shared by two workers, under write load;
 * a worker that leads partitions is SIGKILLed, three rounds, a fresh worker started after
 * each. Postgres frees a dead worker's locks (its partitions' and its membership) when its
 * connections close; the survivor's fair share grows to all four and it takes them over;
 * the new worker's arrival halves it again and the survivor gives two up
 * (outbox/partitions.ts). The checker reads every partition's streams: nothing lost,
 * nothing doubled, per-entity order kept in every stream, every entry in its entity's
 * partition.
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { ledPartitions } from './support/processes.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep, until } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const PARTITIONS = 4;
const ROUNDS = 3;

/** The partitions whose lock is held, as Postgres sees it. */
async function heldPartitions(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
       AND objid = ${0x4c30_3152} AND (classid::text::bigint >> 16) = $1`, [PARTITIONS]);
  return rows[0]!.n;
}

it(`${PARTITIONS} partitions over 2 workers: SIGKILLed owners' partitions are taken over, shares rebalance, nothing lost or doubled`, async () => {
  s = await startScenario({ name: `partitions SIGKILL x${ROUNDS}`, workers: 2, partitions: PARTITIONS });
  const db = new pg.Client({ connectionString: s.db.url });
  await db.connect();
  try {
    const load = s.load({ rate: 80, concurrency: 4, maxWrites: 4000 });
    await load.acknowledged(30);
    const figures: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const live = s.workers.filter((w) => w.alive);
      // Balanced first: two each, and all four led.
      await until('two partitions per worker', () => (live.every((w) => ledPartitions(w).size === 2) ? true : undefined), 20_000);
      const victim = live[Math.floor(Math.random() * live.length)]!;
      const survivor = live.find((w) => w !== victim)!;
      await sleep(300 + Math.random() * 700);
      const killedAt = Date.now();
      await victim.kill();
      await until('the survivor leads all partitions', () => (ledPartitions(survivor).size === PARTITIONS ? true : undefined), 20_000);
      const takeoverMs = Date.now() - killedAt;
      expect(await heldPartitions(db)).toBe(PARTITIONS);
      const fresh = await s.addWorker();
      const joinedAt = Date.now();
      await until('the new worker takes its share', () => (ledPartitions(fresh).size === 2 && ledPartitions(survivor).size === 2 ? true : undefined), 20_000);
      figures.push(`round ${round}: takeover ${takeoverMs} ms, rebalanced ${Date.now() - joinedAt} ms after a worker joined`);
    }
    const stats = await load.stop();
    console.log(`[partitions SIGKILL] ${figures.join('; ')}`);
    expect(Object.keys(stats.byStatus).sort()).toEqual(['200', '201']);
    const report = await s.finish();
    // Every partition carried events (the shard spreads entities), each has its own checkpoint.
    const { rows } = await db.query<{ partition: number; published: string }>(
      'SELECT partition, published::text FROM relay_checkpoint WHERE partitions = $1 ORDER BY partition', [PARTITIONS]);
    expect(rows.map((r) => r.partition)).toEqual([0, 1, 2, 3]);
    expect(rows.every((r) => Number(r.published) > 0)).toBe(true);
    expect(report.misplaced).toBe(0);
  } finally {
    await db.end();
  }
}, 240_000);
