/**
 * Every statement the relay runs against Postgres, in one place.
 *
 * Correctness rests on one rule: the relay reads only outbox rows whose writing
 * transaction is older than every transaction still running
 * (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`), in (transaction_id,
 * position) order. Positions are assigned at INSERT time, so a transaction that started
 * early and commits late holds small positions; reading by position alone would skip it
 * (the bug several event stores shipped). Below xmin nothing can still appear: every
 * transaction there has committed or aborted, and any newer writer gets a larger xid.
 * Hence deleting "everything up to the last claimed key" deletes exactly the claimed rows.
 *
 * EXPLAIN of CLAIM on a 100k-row outbox: Limit → Nested Loop → Index Scan using
 * outbox_pkey (transaction_id, position) with Filter on xmin → Index Scan using
 * events_pkey: no sort, cost proportional to the batch, not the backlog.
 */
import type { Queryable } from '../db/pool.js';
import type { EntryId } from '../wire/entry-id.js';
import { AGGREGATE_ID_FIELDS, type LegacyParts } from '../wire/legacy.js';
import type { MessageParts } from '../wire/message.js';

/**
 * One claimed event: its outbox key, its routing, and the parts its message is written
 * from (`wire/message.ts`): payload and metadata stay JSON text, never parsed here.
 */
export interface ClaimedEvent extends Omit<MessageParts, 'replayed'>, LegacyParts {
  transaction_id: string;
  position: string;
  /** A dead letter put back by an operator, or a replayed event: published marked `replayed`. */
  requeued: boolean;
}

const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
/** The aggregate id of the original's message (wire/legacy.ts): a payload field for some entities. */
const AGGREGATE_ID = `COALESCE(CASE e.entity_type ${AGGREGATE_ID_FIELDS.map(([t, f]) => `WHEN ${literal(t)} THEN e.payload->>${literal(f)}`).join(' ')} END, e.entity_id::text)`;

/** The columns of a ClaimedEvent; `o` is the outbox row, `e` its event. */
export const CLAIMED_COLUMNS = `o.transaction_id::text AS transaction_id, o.position::text AS position, o.event_id,
         o.entity_type, o.event_type, o.requeued, e.entity_id, e.entity_version,
         e.payload::text AS payload, e.metadata::text AS metadata, to_json(e.created_at)::text AS created_at,
         ${AGGREGATE_ID} AS aggregate_id, to_json(e.created_at AT TIME ZONE 'UTC')::text AS created_at_utc`;

/** Outbox rows with their events, in commit-safe order; `where` narrows them down. */
const outboxRows = (where: string) => `
  SELECT ${CLAIMED_COLUMNS}
  FROM outbox AS o
  JOIN events AS e ON e.position = o.position
  WHERE ${where}
  ORDER BY o.transaction_id, o.position
  LIMIT $1`;

const CLAIM = outboxRows(`o.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    AND (o.transaction_id, o.position) > ($2::xid8, $3::bigint)`);

const RANGE = outboxRows(`(o.transaction_id, o.position) > ($2::xid8, $3::bigint)
    AND (o.transaction_id, o.position) <= ($4::xid8, $5::bigint)`);

/**
 * The next batch in commit-safe order, strictly after `after` (a key already handed to
 * the publisher but not yet deleted, so the relay can claim ahead while a batch is in flight).
 */
export async function claimBatch(db: Queryable, limit: number, after: EntryId): Promise<ClaimedEvent[]> {
  const { rows } = await db.query<ClaimedEvent>({ name: 'relay_claim', text: CLAIM, values: [limit, after.transactionId, after.position] });
  return rows;
}

/**
 * The rows of a batch claimed earlier: after `after`, up to and including `last`. All of
 * them were below the horizon when claimed, so no row can have joined the range since;
 * rows already completed (deleted) are simply not there any more.
 */
export async function readBatch(db: Queryable, after: EntryId, last: EntryId, limit: number): Promise<ClaimedEvent[]> {
  const { rows } = await db.query<ClaimedEvent>({
    name: 'relay_read_batch', text: RANGE, values: [limit, after.transactionId, after.position, last.transactionId, last.position],
  });
  return rows;
}

export const keyOf = (e: ClaimedEvent): EntryId => ({ transactionId: e.transaction_id, position: e.position });

/**
 * Removes the published rows up to `last` and advances the checkpoint, in one statement
 * (one transaction). The checkpoint never moves backwards, even if a deposed leader
 * finishes a stale batch late. Requeued dead letters in the batch are marked published.
 */
export async function completeBatch(db: Queryable, last: EntryId, requeuedIds: string[]): Promise<number> {
  const { rows } = await db.query<{ deleted: string }>({
    name: 'relay_complete',
    text: `
      WITH gone AS (
        DELETE FROM outbox WHERE (transaction_id, position) <= ($1::xid8, $2::bigint) RETURNING 1
      ), revived AS (
        UPDATE dead_letters SET status = 'published', updated_at = now()
        WHERE event_id = ANY($3::uuid[]) AND status = 'retrying'
      ), n AS (SELECT count(*) AS deleted FROM gone)
      , cp AS (
        INSERT INTO relay_checkpoint AS c (id, transaction_id, position, published, updated_at)
        SELECT 1, $1::xid8, $2::bigint, n.deleted, now() FROM n
        ON CONFLICT (id) DO UPDATE
          SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position,
              published = c.published + EXCLUDED.published, updated_at = now()
          WHERE (c.transaction_id, c.position) < (EXCLUDED.transaction_id, EXCLUDED.position)
      )
      SELECT deleted FROM n`,
    values: [last.transactionId, last.position, requeuedIds],
  });
  return Number(rows[0]?.deleted ?? 0);
}

/** Moves one event that failed on its own out of the outbox into dead_letters. */
export async function deadLetter(db: Queryable, e: ClaimedEvent, attempts: number, error: string): Promise<void> {
  await db.query({
    name: 'relay_dead_letter',
    text: `
      WITH gone AS (
        DELETE FROM outbox WHERE transaction_id = $1::xid8 AND position = $2::bigint RETURNING event_id
      )
      INSERT INTO dead_letters (event_id, position, entity_type, event_type, status, attempts, last_error)
      SELECT $3::uuid, $2::bigint, $4, $5, 'dead', $6, left($7, 2000) FROM gone
      ON CONFLICT (event_id) DO UPDATE
        SET status = 'dead', attempts = dead_letters.attempts + EXCLUDED.attempts,
            last_error = EXCLUDED.last_error, updated_at = now()`,
    values: [e.transaction_id, e.position, e.event_id, e.entity_type, e.event_type, attempts, error],
  });
}

export interface OutboxStatus {
  /** Events committed and not yet published (outbox rows). */
  backlog: number;
  oldest_age_seconds: number | null;
  /** Dead letters waiting for an operator (status `dead`). */
  dead_letters: number;
  dead_letters_by_status: Record<string, number>;
  /** Stream id of the last event the relay published, or null before the first. */
  checkpoint: string | null;
  /** Events published by all relays, as recorded with the checkpoint. */
  published: number;
  /**
   * 0 while the outbox is empty, else the time since the relay last advanced its checkpoint
   * (or since the oldest waiting row was written, if later): it grows only while events
   * wait and the relay does not move.
   */
  checkpoint_lag_seconds: number;
  oldest_open_transaction_seconds: number | null;
  oldest_open_transaction_pid: number | null;
  /** The horizon is cluster-wide: the holder may be in another database on the same server. */
  oldest_open_transaction_database: string | null;
  oldest_open_transaction_application: string | null;
}

/**
 * Backlog, age, dead letters, checkpoint and what may be holding the relay back (a
 * long-open transaction), in one statement: `l01 outbox status`, the relay's lag warning
 * and the API's /metrics read it. count(*) over the outbox is a scan of its primary key:
 * ~10 ms at a 100k backlog.
 */
export async function outboxStatus(db: Queryable): Promise<OutboxStatus> {
  const { rows } = await db.query<OutboxStatus>({
    name: 'outbox_status',
    text: `
    SELECT (SELECT count(*)::int FROM outbox) AS backlog,
           (SELECT extract(epoch FROM now() - min(created_at))::float FROM outbox) AS oldest_age_seconds,
           COALESCE((d.by_status->>'dead')::int, 0) AS dead_letters, d.by_status AS dead_letters_by_status,
           (SELECT transaction_id::text || '-' || position FROM relay_checkpoint WHERE id = 1) AS checkpoint,
           COALESCE((SELECT published::float8 FROM relay_checkpoint WHERE id = 1), 0) AS published,
           CASE WHEN EXISTS (SELECT 1 FROM outbox) THEN extract(epoch FROM now() - GREATEST(
                (SELECT updated_at FROM relay_checkpoint WHERE id = 1),
                (SELECT min(created_at) FROM outbox)))::float8 ELSE 0 END AS checkpoint_lag_seconds,
           a.age AS oldest_open_transaction_seconds, a.pid AS oldest_open_transaction_pid,
           a.datname AS oldest_open_transaction_database, a.application_name AS oldest_open_transaction_application
    FROM (SELECT COALESCE(json_object_agg(status, n), '{}') AS by_status
          FROM (SELECT status, count(*)::int AS n FROM dead_letters GROUP BY status) AS s) AS d
    LEFT JOIN LATERAL (
      SELECT extract(epoch FROM now() - xact_start)::float AS age, pid, datname::text, application_name
      FROM pg_stat_activity
      WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
      ORDER BY xact_start LIMIT 1) AS a ON true`,
  });
  return rows[0]!;
}
