/**
 * What `l01 outbox status`, the relay's lag warning, the dashboard and the API's /metrics
 * read of the outbox and its relays, per partition (outbox/sql.ts holds the relay's own
 * statements).
 */
import type { Queryable } from '../db/pool.js';

/** One partition's part of the outbox (L01_RELAY_PARTITIONS). */
export interface PartitionStatus {
  partition: number;
  backlog: number;
  oldest_age_seconds: number | null;
  /** Stream id of the last event this partition's relay published, or null before the first. */
  checkpoint: string | null;
  /** Events this partition's relays published, as recorded with its checkpoint. */
  published: number;
  /** As checkpoint_lag_seconds below, for this partition. */
  checkpoint_lag_seconds: number;
  /** Its events in dead_letters with status `dead`. */
  dead_letters: number;
}

export interface OutboxStatus {
  /** Events committed and not yet published (outbox rows). */
  backlog: number;
  oldest_age_seconds: number | null;
  /** Dead letters waiting for an operator (status `dead`). */
  dead_letters: number;
  dead_letters_by_status: Record<string, number>;
  /** Stream id of the last event the relay published, or null before the first (with partitions: null, see `partitions`). */
  checkpoint: string | null;
  /** Events published by all relays, as recorded with the checkpoints (of every partitioning there has been). */
  published: number;
  /**
   * 0 while the outbox is empty, else the time since the relay last advanced its checkpoint
   * (or since the oldest waiting row was written, if later): it grows only while events
   * wait and the relay does not move. With partitions, the largest of theirs.
   */
  checkpoint_lag_seconds: number;
  /** Each partition of L01_RELAY_PARTITIONS (one, partition 0, by default). */
  partitions: PartitionStatus[];
  oldest_open_transaction_seconds: number | null;
  oldest_open_transaction_pid: number | null;
  /** The horizon is cluster-wide: the holder may be in another database on the same server. */
  oldest_open_transaction_database: string | null;
  oldest_open_transaction_application: string | null;
}

/**
 * Backlog, age, dead letters, checkpoints and what may be holding the relay back (a
 * long-open transaction), in one statement, for `partitions` partitions: `l01 outbox status`,
 * the relay's lag warning, the dashboard and the API's /metrics read it. The outbox is read
 * once (grouped by partition), a scan of its primary key: ~10 ms at a 100k backlog.
 */
export async function outboxStatus(db: Queryable, partitions = 1): Promise<OutboxStatus> {
  const { rows } = await db.query<Omit<OutboxStatus, 'checkpoint' | 'checkpoint_lag_seconds'>>({
    name: 'outbox_status',
    text: `
    WITH waiting AS (
      SELECT mod(shard, $1::int) AS partition, count(*)::int AS backlog, min(created_at) AS oldest FROM outbox GROUP BY 1
    ), dead AS (
      SELECT mod(l01_shard(e.entity_id), $1::int) AS partition, count(*)::int AS n
      FROM dead_letters AS d JOIN events AS e ON e.position = d.position WHERE d.status = 'dead' GROUP BY 1
    ), parts AS (
      SELECT p.i AS partition, COALESCE(w.backlog, 0) AS backlog, extract(epoch FROM now() - w.oldest)::float8 AS oldest_age_seconds,
             c.transaction_id::text || '-' || c.position AS checkpoint, COALESCE(c.published, 0)::float8 AS published,
             CASE WHEN w.backlog > 0 THEN extract(epoch FROM now() - GREATEST(c.updated_at, w.oldest))::float8 ELSE 0 END AS checkpoint_lag_seconds,
             COALESCE(dd.n, 0) AS dead_letters
      FROM generate_series(0, $1::int - 1) AS p(i)
      LEFT JOIN waiting AS w ON w.partition = p.i
      LEFT JOIN dead AS dd ON dd.partition = p.i
      LEFT JOIN relay_checkpoint AS c ON c.partitions = $1::int AND c.partition = p.i
    )
    SELECT (SELECT COALESCE(sum(backlog), 0)::int FROM waiting) AS backlog,
           (SELECT extract(epoch FROM now() - min(oldest))::float FROM waiting) AS oldest_age_seconds,
           COALESCE((d.by_status->>'dead')::int, 0) AS dead_letters, d.by_status AS dead_letters_by_status,
           COALESCE((SELECT sum(published)::float8 FROM relay_checkpoint), 0) AS published,
           (SELECT json_agg(parts ORDER BY partition) FROM parts) AS partitions,
           a.age AS oldest_open_transaction_seconds, a.pid AS oldest_open_transaction_pid,
           a.datname AS oldest_open_transaction_database, a.application_name AS oldest_open_transaction_application
    FROM (SELECT COALESCE(json_object_agg(status, n), '{}') AS by_status
          FROM (SELECT status, count(*)::int AS n FROM dead_letters GROUP BY status) AS s) AS d
    LEFT JOIN LATERAL (
      SELECT extract(epoch FROM now() - xact_start)::float AS age, pid, datname::text, application_name
      FROM pg_stat_activity
      WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
      ORDER BY xact_start LIMIT 1) AS a ON true`,
    values: [partitions],
  });
  const r = rows[0]!;
  return {
    ...r,
    checkpoint: partitions === 1 ? r.partitions[0]!.checkpoint : null,
    checkpoint_lag_seconds: Math.max(0, ...r.partitions.map((p) => p.checkpoint_lag_seconds)),
  };
}
