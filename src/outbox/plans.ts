/**
 * What keeps the relay's statements (outbox/sql.ts) on their plans: the index a partition's
 * claims walk, and planner statistics that describe the outbox's backlog.
 */
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';

/** The index a partition's claims walk (P > 1): created by the worker before it leads (idempotent). */
export async function ensurePartitionIndex(db: Queryable, count: number): Promise<void> {
  if (count === 1) return;
  const name = `outbox_partition_${count}_idx`;
  /** true: built; false: left invalid by an interrupted build; null: absent. */
  const state = async () => (await db.query<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid WHERE c.relname = $1`, [name])).rows[0]?.valid ?? null;
  const found = await state();
  if (found) return;
  if (found === false) await db.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
  try {
    await db.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "${name}" ON outbox (mod(shard, ${count}), transaction_id, position)`);
  } catch (err) {
    // Another worker built it at the same moment: fine once it is there and valid.
    if (!(await state())) throw err;
  }
}

/** Rows of outbox backlog from which stale statistics are refreshed (below, a bad plan costs little). */
const STALE_FROM_ROWS = 10_000;

/**
 * Refreshes the outbox's planner statistics when they no longer describe it: `ANALYZE`
 * when it holds STALE_FROM_ROWS rows or more and the planner believes in fewer than a
 * quarter of them (or has never measured it). The claim's plan rests on them: after a
 * burst of writes into an outbox the planner had seen near empty (or never analyzed, as in
 * a new database), it estimated ~600 rows, scanned the whole outbox, joined every row to
 * its event and sorted them, per claim: EXPLAIN ANALYZE of a 1,000-row claim of an 83k-row
 * backlog took 142.8 ms this way (249,519 buffers), the walk of the outbox key ~5 ms; the
 * drain of a backlog just written through the API went at half the rate of the same
 * backlog analyzed, until autovacuum's analyze came round. Cheap to ask (two catalog rows);
 * SKIP_LOCKED: while autovacuum is analyzing it already, nothing waits. Returns whether it ran.
 */
export async function analyzeOutboxIfStale(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ estimated: number; live: number }>({
    name: 'relay_outbox_estimate',
    text: `SELECT c.reltuples::float8 AS estimated, COALESCE(s.n_live_tup, 0)::float8 AS live
           FROM pg_class AS c LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid WHERE c.oid = 'outbox'::regclass`,
  });
  const { estimated, live } = rows[0] ?? { estimated: 0, live: 0 };
  if (live < STALE_FROM_ROWS || (estimated >= 0 && estimated * 4 >= live)) return false;
  await db.query('ANALYZE (SKIP_LOCKED) outbox');
  return true;
}

/**
 * Looks at the outbox's statistics now and every `everyMs` (analyzeOutboxIfStale), one look
 * at a time, until stopped; `first` resolves after the first look. Never rejects: a failed
 * look is logged and the next one tries again.
 */
export function watchOutboxStatistics(db: Queryable, log: Logger, everyMs = 1000): { first: Promise<void>; stop(): void } {
  let looking = false;
  const look = async () => {
    if (looking) return;
    looking = true;
    try {
      const started = performance.now();
      if (await analyzeOutboxIfStale(db)) {
        log.info({ ms: Math.round(performance.now() - started) }, 'outbox statistics were stale for its backlog; analyzed it (the claim plans on them)');
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not refresh the outbox statistics');
    } finally {
      looking = false;
    }
  };
  const first = look();
  const timer = setInterval(() => void look(), everyMs);
  return { first, stop: () => clearInterval(timer) };
}
