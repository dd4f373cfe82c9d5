/** Reading back what a request wrote: event log and outbox rows, straight from the database. */
import type { Queryable } from '../../src/db/pool.js';

export interface EventRow {
  position: number;
  id: string;
  transaction_id: string;
  event_type: string;
  entity_type: string;
  entity_id: string;
  entity_version: number;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface OutboxRow {
  transaction_id: string;
  position: number;
  event_id: string;
  entity_type: string;
  event_type: string;
}

export async function lastPosition(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ p: string }>('SELECT COALESCE(max(position), 0) AS p FROM events');
  return Number(rows[0]!.p);
}

/** Events written after `position`, in position order. */
export async function eventsAfter(db: Queryable, position: number): Promise<EventRow[]> {
  const { rows } = await db.query<EventRow & { position: string }>(
    `SELECT position, id, transaction_id::text AS transaction_id, event_type, entity_type, entity_id::text,
            entity_version, payload, metadata
     FROM events WHERE position > $1 ORDER BY position`,
    [position],
  );
  return rows.map((r) => ({ ...r, position: Number(r.position) }));
}

/** Outbox rows of these events, in position order. */
export async function outboxOf(db: Queryable, eventIds: string[]): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow & { position: string }>(
    `SELECT transaction_id::text AS transaction_id, position, event_id::text, entity_type, event_type
     FROM outbox WHERE event_id = ANY($1::uuid[]) ORDER BY position`,
    [eventIds],
  );
  return rows.map((r) => ({ ...r, position: Number(r.position) }));
}

export async function count(db: Queryable, table: string, where = 'true', values: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}" WHERE ${where}`, values);
  return Number(rows[0]!.n);
}
