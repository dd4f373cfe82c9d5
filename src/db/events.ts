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
import { readPage, type PageResult } from './page.js';
import type { Queryable } from './pool.js';
import { PAGE_MAX_BYTES } from './read.js';

/** The public JSON shape of an event (of alias `e`); `cursor` is also its stream entry id. */
const eventJson = (e: string) => `json_build_object(
  'id', ${e}.id, 'position', ${e}.position, 'transaction_id', ${e}.transaction_id::text,
  'cursor', ${e}.transaction_id::text || '-' || ${e}.position,
  'event_type', ${e}.event_type, 'entity_type', ${e}.entity_type, 'entity_id', ${e}.entity_id,
  'entity_version', ${e}.entity_version, 'payload', ${e}.payload, 'metadata', ${e}.metadata,
  'created_at', ${e}.created_at)`;
const EVENT_JSON = eventJson('e');
/** Stored sizes of what makes an event big (page.ts's estimate). */
const EVENT_ESTIMATE = 'pg_column_size(t.payload) + pg_column_size(t.metadata)';

export interface EventFilter {
  event_type?: string;
  entity_type?: string;
  entity_id?: string;
  /** Position of the last event the reader has; 0 = from the start. */
  after?: number;
  limit: number;
  offset: number;
  /** Default PAGE_MAX_BYTES. */
  maxBytes?: number;
}

/**
 * A page of events, cut by count and by bytes; `next` is the position to pass as `after`
 * for the rest. Null when `after` names no event.
 */
export async function listEvents(db: Queryable, f: EventFilter): Promise<PageResult | null> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  if (f.event_type !== undefined) add((p) => `t.event_type = ${p}`, f.event_type);
  if (f.entity_type !== undefined) add((p) => `t.entity_type = ${p}`, f.entity_type);
  if (f.entity_id !== undefined) add((p) => `t.entity_id = ${p}`, f.entity_id);
  let cursor: string | undefined;
  if (f.after !== undefined) {
    values.push(f.after);
    const p = `$${values.length}`;
    cursor = `cursor AS MATERIALIZED (
      SELECT transaction_id, position FROM events WHERE position = ${p}::bigint
      UNION ALL SELECT '0'::xid8, 0 WHERE ${p}::bigint = 0)`;
    where.push('(t.transaction_id, t.position) > (SELECT transaction_id, position FROM cursor)');
    where.push('t.transaction_id < pg_snapshot_xmin(pg_current_snapshot())');
  }
  const page = await readPage(db, {
    with: cursor, from: 'events AS t', where, values, order: ['transaction_id', 'position'],
    json: `${eventJson('t')}::text`, estimate: EVENT_ESTIMATE, cursor: 't.position::text',
    limit: f.limit, offset: f.offset, maxBytes: f.maxBytes ?? PAGE_MAX_BYTES,
    // An `after` naming no event is an error, not an empty page.
    valid: cursor ? 'EXISTS (SELECT 1 FROM cursor)' : undefined,
  });
  return page.valid === false ? null : page;
}

export async function getEvent(db: Queryable, id: string): Promise<string | null> {
  const { rows } = await db.query<{ body: string }>({
    name: 'events_get',
    text: `SELECT ${EVENT_JSON}::text AS body FROM events AS e WHERE e.id = $1`,
    values: [id],
  });
  return rows[0]?.body ?? null;
}

export interface HistoryPage {
  limit: number;
  offset: number;
  /** Position of the last event the reader has of this entity. */
  after?: number;
  maxBytes?: number;
}

/**
 * The events of one entity, oldest first (per-entity order is position order: rows are
 * locked), cut by count and by bytes, on events_entity_idx (entity_type, entity_id, position).
 */
export async function entityHistory(db: Queryable, entityType: string, entityId: string, page: HistoryPage): Promise<PageResult> {
  const where = ['t.entity_type = $1', 't.entity_id = $2'];
  const values: unknown[] = [entityType, entityId];
  if (page.after !== undefined) {
    values.push(page.after);
    where.push(`t.position > $${values.length}::bigint`);
  }
  return readPage(db, {
    from: 'events AS t', where, values, order: ['position'],
    json: `${eventJson('t')}::text`, estimate: EVENT_ESTIMATE, cursor: 't.position::text',
    limit: page.limit, offset: page.offset, maxBytes: page.maxBytes ?? PAGE_MAX_BYTES,
  });
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
export async function listEventsNewestFirst(db: Queryable, f: LegacyEventFilter, maxBytes = 1024 * 1024): Promise<Array<Record<string, unknown>>> {
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
  // Cut by bytes as every page is (the first event always goes; see page.ts for the two
  // passes): stored sizes pick the candidates without detoasting, the exact JSON size cuts.
  const size = 'pg_column_size(e.payload) + pg_column_size(e.metadata)';
  const { rows } = await db.query<{ body: Array<Record<string, unknown>> }>(
    `WITH c AS (
       SELECT e.position, sum(${size}) OVER w - (${size}) AS before
       FROM events AS e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       WINDOW w AS (ORDER BY e.position DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
       ORDER BY e.position DESC LIMIT ${param(f.limit)} OFFSET ${param(f.offset)}
     ), j AS (
       SELECT e.position, to_jsonb(e) AS row FROM (
         SELECT e.id, e.position, e.entity_type, e.event_type, e.entity_id, e.entity_version, e.payload, e.metadata, e.created_at
         FROM events AS e WHERE e.position IN (SELECT position FROM c WHERE before <= ${param(maxBytes)})) AS e
     ), cut AS (
       SELECT row, position, sum(octet_length(row::text)) OVER (ORDER BY position DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
              row_number() OVER (ORDER BY position DESC) AS n
       FROM j
     )
     SELECT COALESCE(json_agg(row ORDER BY position DESC) FILTER (WHERE n = 1 OR upto <= ${param(maxBytes)}), '[]') AS body FROM cut`,
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
