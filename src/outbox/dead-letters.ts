/**
 * Operator access to dead letters: list, show, retry, discard. Rows are written by the
 * relay (`deadLetter` in sql.ts); here they are only read and moved between states:
 *   dead ──retry──► retrying ──published by the relay──► published
 *   dead ──discard──► discarded   (kept, for the record)
 */
import type { Queryable } from '../db/pool.js';

export const DEAD_LETTER_STATUSES = ['dead', 'retrying', 'published', 'discarded'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

const ROW_JSON = `json_build_object(
  'event_id', d.event_id, 'position', d.position, 'entity_type', d.entity_type, 'event_type', d.event_type,
  'status', d.status, 'attempts', d.attempts, 'last_error', d.last_error,
  'created_at', d.created_at, 'updated_at', d.updated_at)`;

export async function listDeadLetters(db: Queryable, f: { status?: DeadLetterStatus; limit: number; offset: number }): Promise<string> {
  const { rows } = await db.query<{ body: string }>(
    `SELECT COALESCE(json_agg(${ROW_JSON} ORDER BY d.created_at, d.position), '[]')::text AS body
     FROM (SELECT * FROM dead_letters WHERE ($1::text IS NULL OR status = $1)
           ORDER BY created_at, position LIMIT $2 OFFSET $3) AS d`,
    [f.status ?? null, f.limit, f.offset],
  );
  return rows[0]!.body;
}

/** One dead letter with the full event it holds back. */
export async function getDeadLetter(db: Queryable, eventId: string): Promise<string | null> {
  const { rows } = await db.query<{ body: string }>(
    `SELECT (${ROW_JSON}::jsonb || jsonb_build_object('event', jsonb_build_object(
               'entity_id', e.entity_id, 'entity_version', e.entity_version,
               'payload', e.payload, 'metadata', e.metadata, 'created_at', e.created_at)))::text AS body
     FROM dead_letters AS d JOIN events AS e ON e.id = d.event_id WHERE d.event_id = $1`,
    [eventId],
  );
  return rows[0]?.body ?? null;
}

/**
 * Puts dead letters back in the outbox. The row gets the retrying transaction's id, so its
 * stream id sorts after everything already published (stream ids only grow) while keeping
 * its original position; consumers see `replayed: true`.
 */
export async function requeueDeadLetters(db: Queryable, eventIds: string[] | 'all'): Promise<number> {
  const { rowCount } = await db.query(
    `WITH d AS (
       UPDATE dead_letters SET status = 'retrying', updated_at = now()
       WHERE status = 'dead' AND ($1::boolean OR event_id = ANY($2::uuid[]))
       RETURNING event_id, position, entity_type, event_type
     )
     INSERT INTO outbox (transaction_id, position, event_id, entity_type, event_type, requeued, shard)
     SELECT pg_current_xact_id(), d.position, d.event_id, d.entity_type, d.event_type, true, l01_shard(e.entity_id)
     FROM d JOIN events AS e ON e.position = d.position`,
    [eventIds === 'all', eventIds === 'all' ? [] : eventIds],
  );
  return rowCount ?? 0;
}


/** Marks a dead letter discarded; false when it is not (or no longer) dead. */
export async function discardDeadLetter(db: Queryable, eventId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE dead_letters SET status = 'discarded', updated_at = now() WHERE event_id = $1 AND status = 'dead'`,
    [eventId],
  );
  return rowCount === 1;
}

export async function deadLetterStatus(db: Queryable, eventId: string): Promise<DeadLetterStatus | null> {
  const { rows } = await db.query<{ status: DeadLetterStatus }>('SELECT status FROM dead_letters WHERE event_id = $1', [eventId]);
  return rows[0]?.status ?? null;
}
