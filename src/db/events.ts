/**
 * Event log reads.
 *
 * Log order is (transaction_id, position), not position alone: positions are taken when
 * a row is inserted, so a transaction that started early and commits late holds smaller
 * positions than rows already visible. A cursor reader (`after`) therefore only sees events
 * whose transaction is older than every transaction still running
 * (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`): a late commit is delayed,
 * never skipped. Both orders are served by `events_log_order_idx`.
 */
import type { Queryable } from './pool.js';

/** The public JSON shape of an event; `cursor` is also its stream entry id. */
const EVENT_JSON = `json_build_object(
  'id', e.id, 'position', e.position, 'transaction_id', e.transaction_id::text,
  'cursor', e.transaction_id::text || '-' || e.position,
  'event_type', e.event_type, 'entity_type', e.entity_type, 'entity_id', e.entity_id,
  'entity_version', e.entity_version, 'payload', e.payload, 'metadata', e.metadata,
  'created_at', e.created_at)`;

export interface EventFilter {
  event_type?: string;
  entity_type?: string;
  entity_id?: string;
  /** Position of the last event the reader has; 0 = from the start. */
  after?: number;
  limit: number;
  offset: number;
}

/** A page of events as JSON array text, or null when `after` names no event. */
export async function listEvents(db: Queryable, f: EventFilter): Promise<string | null> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  if (f.event_type !== undefined) add((p) => `e.event_type = ${p}`, f.event_type);
  if (f.entity_type !== undefined) add((p) => `e.entity_type = ${p}`, f.entity_type);
  if (f.entity_id !== undefined) add((p) => `e.entity_id = ${p}`, f.entity_id);
  let cursor = '';
  if (f.after !== undefined) {
    values.push(f.after);
    const p = `$${values.length}`;
    cursor = `cursor AS (
      SELECT transaction_id, position FROM events WHERE position = ${p}::bigint
      UNION ALL SELECT '0'::xid8, 0 WHERE ${p}::bigint = 0),`;
    where.push('(e.transaction_id, e.position) > (SELECT transaction_id, position FROM cursor)');
    where.push('e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())');
  }
  values.push(f.limit, f.offset);
  const text = `
    WITH ${cursor} page AS (
      SELECT e.* FROM events AS e
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY e.transaction_id, e.position
      LIMIT $${values.length - 1} OFFSET $${values.length}
    )
    SELECT ${f.after !== undefined ? 'EXISTS (SELECT 1 FROM cursor)' : 'true'} AS cursor_ok,
           (SELECT COALESCE(json_agg(${EVENT_JSON} ORDER BY e.transaction_id, e.position), '[]')::text FROM page AS e) AS body`;
  const { rows } = await db.query<{ cursor_ok: boolean; body: string }>(text, values);
  return rows[0]!.cursor_ok ? rows[0]!.body : null;
}

export async function getEvent(db: Queryable, id: string): Promise<string | null> {
  const { rows } = await db.query<{ body: string }>({
    name: 'events_get',
    text: `SELECT ${EVENT_JSON}::text AS body FROM events AS e WHERE e.id = $1`,
    values: [id],
  });
  return rows[0]?.body ?? null;
}

/** Every event of one entity, oldest first (per-entity order is position order: rows are locked). */
export async function entityHistory(db: Queryable, entityType: string, entityId: string, limit: number, offset: number): Promise<string> {
  const { rows } = await db.query<{ body: string }>({
    name: 'events_history',
    text: `SELECT COALESCE(json_agg(${EVENT_JSON} ORDER BY e.position), '[]')::text AS body FROM (
             SELECT * FROM events WHERE entity_type = $1 AND entity_id = $2 ORDER BY position LIMIT $3 OFFSET $4) AS e`,
    values: [entityType, entityId, limit, offset],
  });
  return rows[0]!.body;
}

/** Whether any event was ever written for this entity (a deleted one still has its history). */
export async function hasHistory(db: Queryable, entityType: string, entityId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM events WHERE entity_type = $1 AND entity_id = $2 LIMIT 1', [entityType, entityId]);
  return rowCount === 1;
}

/** Filters of the original service's event list: each an OR of its alternatives. */
export interface LegacyEventFilter {
  entityTypes?: readonly string[];
  entityId?: string;
  /** (entity type?, event type) pairs, any of which matches. */
  types?: ReadonlyArray<{ entityType?: string; eventType: string }>;
  limit: number;
  offset: number;
}

/**
 * The log newest first, for the original's `GET /events/`: every event, as JSON rows of its
 * columns. Position order is insertion order, served by the primary key or, filtered, by
 * events_entity_idx / events_type_idx read backwards.
 */
export async function listEventsNewestFirst(db: Queryable, f: LegacyEventFilter): Promise<Array<Record<string, unknown>>> {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (f.entityTypes) where.push(`e.entity_type = ANY(${param(f.entityTypes)}::text[])`);
  if (f.entityId) where.push(`e.entity_id = ${param(f.entityId)}::uuid`);
  if (f.types) {
    where.push(`(${f.types.map((t) => (t.entityType === undefined
      ? `e.event_type = ${param(t.eventType)}`
      : `(e.entity_type = ${param(t.entityType)} AND e.event_type = ${param(t.eventType)})`)).join(' OR ')})`);
  }
  const { rows } = await db.query<{ body: Array<Record<string, unknown>> }>(
    `SELECT COALESCE(json_agg(to_jsonb(e) ORDER BY e.position DESC), '[]') AS body FROM (
       SELECT e.id, e.position, e.entity_type, e.event_type, e.entity_id, e.entity_version, e.payload, e.metadata, e.created_at
       FROM events AS e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.position DESC LIMIT ${param(f.limit)} OFFSET ${param(f.offset)}) AS e`,
    values,
  );
  return rows[0]!.body;
}

/** One event as JSON of its columns, or null. */
export async function eventRow(db: Queryable, id: string): Promise<Record<string, unknown> | null> {
  const { rows } = await db.query<{ body: Record<string, unknown> }>(
    'SELECT to_jsonb(e) - \'transaction_id\' AS body FROM events AS e WHERE e.id = $1', [id]);
  return rows[0]?.body ?? null;
}
