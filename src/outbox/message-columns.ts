/**
 * The message columns of the relay's statements (outbox/sql.ts) and of `l01 replay`: each
 * event's message, and the head and tail of its message in the original's shape, written by
 * Postgres from the stored parts (wire/message.ts `messageSqlParts`, wire/legacy.ts
 * `legacyMessageSqlParts`).
 */
import { AGGREGATE_ID_FIELDS, legacyMessageSqlParts } from '../wire/legacy.js';
import { messageSqlParts } from '../wire/message.js';

const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
/** The aggregate id of the original's message (wire/legacy.ts): a payload field for some entities. */
export const AGGREGATE_ID = `COALESCE(CASE e.entity_type ${AGGREGATE_ID_FIELDS.map(([t, f]) => `WHEN ${literal(t)} THEN e.payload->>${literal(f)}`).join(' ')} END, e.entity_id::text)`;

/** SQL expressions of what a row's messages are written from. */
export interface RowParts {
  event_type: string; event_id: string; entity_type: string; entity_id: string; entity_version: string; position: string;
  /** jsonb, or its text. */
  payload: string; metadata: string;
  created_at: string; aggregate_id: string;
  /** Published marked `replayed`. */
  requeued: string;
}

/** The parts as columns of the relation `r` named after them. */
export const partsOf = (r: string): RowParts => ({
  event_type: `${r}.event_type`, event_id: `${r}.event_id`, entity_type: `${r}.entity_type`, entity_id: `${r}.entity_id`,
  entity_version: `${r}.entity_version`, position: `${r}.position`, payload: `${r}.payload`, metadata: `${r}.metadata`,
  created_at: `${r}.created_at`, aggregate_id: `${r}.aggregate_id`, requeued: `${r}.requeued`,
});

/** The pieces of a row's message (wire/message.ts), as SQL expressions. */
export const messagePieces = (p: RowParts) => messageSqlParts({
  event_type: p.event_type, event_id: p.event_id, entity_type: p.entity_type, entity_id: p.entity_id,
  entity_version: p.entity_version, position: p.position, payload: p.payload, metadata: p.metadata,
  created_at: p.created_at, replayed: p.requeued,
});

/**
 * The message columns of a row (see ClaimedEvent): the original's message only where
 * `legacy` (an SQL boolean) holds; none where `oversize` holds (its parts are never sent).
 * `pieces`: the message's head and tail where they are columns already (each is measured
 * as well as sent, and its timestamp is the costliest part to write).
 */
export function messageColumns(p: RowParts, legacy: string, oversize = 'false', pieces?: { head: string; tail: string }): string {
  const m = { ...messagePieces(p), ...pieces };
  const l = legacyMessageSqlParts({
    entity_type: p.entity_type, event_type: p.event_type, aggregate_id: p.aggregate_id, created_at_utc: `(${p.created_at} AT TIME ZONE 'UTC')`,
  });
  const withLegacy = (expr: string) => `CASE WHEN ${legacy} AND NOT ${oversize} THEN ${expr} END`;
  return `CASE WHEN ${oversize} THEN '' ELSE concat(${m.head}, ${m.body}, ${m.tail}) END AS message,
         ${withLegacy(l.head)} AS legacy_head, ${withLegacy(l.tail)} AS legacy_tail,
         ${withLegacy(`octet_length(${m.head})`)} AS body_from, ${withLegacy(`octet_length(${m.tail})`)} AS body_tail`;
}

/**
 * The columns of a ClaimedEvent, without the byte bound: `o` is the outbox row, `e` its
 * event; `legacy`: an SQL boolean, whether to write the original's message too.
 */
export const claimedColumns = (legacy: string) => `o.transaction_id::text AS transaction_id, o.position::text AS position, o.event_id,
         o.entity_type, o.event_type, o.requeued, e.entity_id,
         ${messageColumns({ ...partsOf('e'), event_id: 'o.event_id', requeued: 'o.requeued', aggregate_id: AGGREGATE_ID }, legacy)}`;
