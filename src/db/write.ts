/**
 * THE write path. Every create, update and delete of every entity is ONE statement built
 * here: the entity row, its event(s) and their outbox rows are written by data-modifying
 * CTEs of a single INSERT/UPDATE/DELETE, so they commit or fail together (a statement is
 * atomic even outside BEGIN) and cost one round trip. The API reaches it through its writer
 * (`groupCommit`, api/respond.ts): creates that arrive together as one `applyCreates`
 * statement, every other change through `applyChange`. Two callers wrap these statements in
 * a transaction of their own: a request with an Idempotency-Key runs its change alone in one,
 * held open until its stored answer joins it (api/idempotency), and `POST /api/commands` runs
 * several in one after locking all their entities (batch.ts). Tests and tools that write
 * without an app call `applyChange` directly (a create is then a batch of one).
 *
 * Why each piece is correct:
 * - Updates lock the row first (`cur … FOR UPDATE`) so the previous status is read from
 *   the newest committed version, even when concurrent writers race: the status event
 *   (`<entity>_<status>`) is emitted exactly when the status really changed.
 * - Partial updates overlay the patch on the current row with
 *   `jsonb_populate_record(t, patch)`: keys absent from the patch keep their value, so one
 *   prepared statement serves every combination of fields.
 * - `If-Match` is checked in the same statement (`cur.version = $n`): a stale write
 *   changes nothing, and `current_version` tells 412 (row exists) from 404 (it does not).
 * - A status change emits `<entity>_<status>` after `<entity>_updated`, unless the status is
 *   named like a lifecycle verb (an agent entering `created`): that would read as a create.
 * - Events get their `position` from an identity column in the order of the SELECT that
 *   feeds them (`ORDER BY x.ord`): the `_updated` event precedes the status event.
 * - A delete's event carries version + 1: the deletion is the entity's last change.
 * - A create may name its id, but never the id of a deleted entity: its events would
 *   restart at version 1 after the old ones, and consumers that deduplicate on
 *   (entity_id, entity_version) would drop the new entity's events as replays. The NOT
 *   EXISTS below answers the ordinary case without an error; it reads the statement's
 *   snapshot, so a delete committing meanwhile slips past it. What no race gets past is
 *   `events_created_once_idx` (schema.ts): one `<entity>_created` event per id, ever; its
 *   23505 is answered as the same `id_used`.
 * - No event is written whose message could not be published (message-limit.ts): each
 *   event's payload goes through `l01_publishable`, which fails the statement (SQLSTATE
 *   L0413, a 413) when payload + metadata + envelope exceed the limit. Nothing is written.
 * - A create leaves out what it does not set: the columns' defaults fill in (the keys it sends
 *   win, an explicit null included), as the table's DEFAULTs would on a plain INSERT.
 * - Creates are written N at a time by the same statement (`applyCreates`; one create is a
 *   batch of one): `jsonb_array_elements … WITH ORDINALITY` feeds the rows, events get their
 *   positions in request order, and each result is found again by its id, which is drawn
 *   here (not by Postgres) when the client named none. A batch is one transaction: if any
 *   row fails, none is written, and `applyCreates` reports the error for the batch (the
 *   group committer then retries each change alone, so one bad row fails only itself).
 */
import { randomUUID } from 'node:crypto';
import type { Entity } from './entity.js';
import { idReused } from './errors.js';
import type { KeyedCreate } from './idempotency.js';
import { DEFAULT_MAX_MESSAGE_BYTES, publishable } from './message-limit.js';
import type { Queryable } from './pool.js';

/** What the writer is configured with (config.ts). */
export interface WriteLimits {
  /** `L01_MAX_MESSAGE_BYTES`: a write whose event would be a larger message is refused. */
  maxMessageBytes: number;
}

const DEFAULT_LIMITS: WriteLimits = { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES };

export interface EventMetadata {
  request_id?: string;
  correlation_id?: string;
  caller?: string;
  [key: string]: unknown;
}

export type Change =
  /** `keyed`: its answer to an Idempotency-Key is stored with it (group-commit.ts). */
  | { op: 'create'; entity: Entity; data: Record<string, unknown>; metadata: EventMetadata; keyed?: KeyedCreate }
  | { op: 'update'; entity: Entity; id: string; data: Record<string, unknown>; expectedVersion?: number; metadata: EventMetadata }
  | { op: 'delete'; entity: Entity; id: string; expectedVersion?: number; metadata: EventMetadata }
  /**
   * An event a caller appends of its own (the original's `POST /events`), about no entity of
   * ours: `entityType` is `domain:<aggregate type>` (wire/legacy.ts), so its versions and its
   * stream are its own. The result's body is the stored event.
   */
  | { op: 'append'; entityType: string; entityId: string; eventType: string; payload: Record<string, unknown>; metadata: EventMetadata };

export type ChangeResult =
  | { ok: true; id: string; version: number; /** the entity after the change (before it, for a delete), as JSON text */ body: string }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'version_mismatch'; currentVersion: number }
  /** A create naming the id of a deleted entity: its history exists, so the id is spent. */
  | { ok: false; reason: 'id_used' };

const ident = (name: string) => `"${name}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Groups statusTimestamps by column: completed_at ← ['completed', 'failed']. */
function stampedColumns(entity: Entity): Map<string, string[]> {
  const byColumn = new Map<string, string[]>();
  for (const [status, column] of Object.entries(entity.statusTimestamps ?? {})) {
    byColumn.set(column, [...(byColumn.get(column) ?? []), status]);
  }
  return byColumn;
}

/**
 * The value written to a column: the patched value, or now() for a status timestamp when
 * the entity enters one of its statuses (or is created in one) and the client did not set it.
 * `update`: the previous status and the patch parameter; absent for a create.
 */
function columnValue(entity: Entity, column: string, update?: { previousStatus: string; patchParam: string }): string {
  const statuses = stampedColumns(entity).get(column);
  if (!statuses) return `p.${ident(column)}`;
  const entered = `p.status IN (${statuses.map(literal).join(', ')})`;
  if (!update) return `CASE WHEN ${entered} THEN COALESCE(p.${ident(column)}, now()) ELSE p.${ident(column)} END`;
  return `CASE WHEN ${entered} AND p.status IS DISTINCT FROM ${update.previousStatus} AND NOT (${update.patchParam}::jsonb ? ${literal(column)}) THEN now() ELSE p.${ident(column)} END`;
}

/**
 * Tail shared by all three statements: events and outbox rows from the changed row `r`.
 * `maxParam` holds the message limit.
 */
function eventsAndOutbox(entity: Entity, verb: string, versionExpr: string, metaExpr: string, maxParam: string, withStatusEvent: boolean, from = 'r', orderFirst = ''): string {
  const type = literal(entity.singular);
  const rows = [`(1, ${literal(`${entity.singular}_${verb}`)})`];
  if (withStatusEvent) rows.push(`(2, ${literal(`${entity.singular}_`)} || r.status)`);
  // Only the statuses that have an event of their own (entity.ts: not those named like a verb).
  const evented = entity.status?.evented ?? [];
  const statusFilter = withStatusEvent
    ? `WHERE x.ord = 1 OR (r.status IS DISTINCT FROM r.__prev_status AND r.status IN (${evented.map(literal).join(', ')}))`
    : '';
  return `
  ev AS (
    INSERT INTO events (event_type, entity_type, entity_id, entity_version, payload, metadata)
    SELECT x.event_type, ${type}, r.id, ${versionExpr}, ${publishable(`to_jsonb(r) - '__prev_status'`, `${metaExpr}::jsonb`, maxParam)}, ${metaExpr}::jsonb
    FROM ${from} CROSS JOIN LATERAL (VALUES ${rows.join(', ')}) AS x(ord, event_type)
    ${statusFilter}
    ORDER BY ${orderFirst}x.ord
    RETURNING transaction_id, position, id, event_type, entity_id
  ),
  ob AS (
    INSERT INTO outbox (transaction_id, position, event_id, entity_type, event_type, shard)
    SELECT transaction_id, position, id, ${type}, event_type, l01_shard(entity_id) FROM ev
  )`;
}

/**
 * Per-entity order in the streams rests on this lock. The relay publishes in
 * (transaction_id, position) order, so of two writes to one entity the later one must
 * hold the larger xid. Postgres assigns an xid at a transaction's first write, and
 * heap_delete/heap_update take it BEFORE waiting for a concurrent writer of the same row:
 * a DELETE racing an UPDATE could get the smaller xid yet commit the later version. This
 * transaction-scoped advisory lock needs no xid; taking it first means every writer of an
 * entity is given its xid only while it alone holds the entity, i.e. after the previous
 * writer committed — so xids follow entity versions. It also requires that no xid was
 * assigned before the lock: a write is one statement in its own transaction (applyChange),
 * or a batch that takes the locks of all its changes, sorted, before its first write
 * (batch.ts `applyBatch`; its statements then take their locks again, which costs no wait).
 * An xid assigned earlier in a longer transaction would break it. Hash collisions only
 * serialise unrelated writers.
 */
export const entityLockKey = (tableExpr: string, idExpr: string) => `hashtextextended(${tableExpr} || ':' || ${idExpr}::uuid::text, 0)`;
const entityLock = (entity: Entity) =>
  `lk AS MATERIALIZED (SELECT pg_advisory_xact_lock(${entityLockKey(literal(entity.table), '$1')}))`;

interface Statements {
  create: string;
  update: string;
  delete: string;
}

function buildStatements(entity: Entity): Statements {
  const table = ident(entity.table);
  const cols = Object.keys(entity.columns);
  const hasStatus = entity.status !== undefined;

  // $1: [{"d": <row>, "m": <metadata>, "n": <true when the client named the id>}, …]; $2: the message limit
  const create = `
  WITH src AS (
    SELECT j.ord AS __ord, j.doc->'m' AS __meta, p.*
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS j(doc, ord),
         jsonb_populate_record(NULL::${table}, ${literal(JSON.stringify(entity.defaults))}::jsonb || (j.doc->'d')) AS p
    WHERE NOT (j.doc ? 'n') OR NOT EXISTS (
      SELECT 1 FROM events AS e
      WHERE e.entity_type = ${literal(entity.singular)} AND e.entity_id = p.id AND e.event_type = ${literal(`${entity.singular}_deleted`)})
  ),
  r AS (
    INSERT INTO ${table} (id, ${cols.map(ident).join(', ')}, version, created_at, updated_at)
    SELECT p.id, ${cols.map((c) => columnValue(entity, c)).join(', ')}, 1, now(), now()
    FROM src AS p ORDER BY p.__ord
    RETURNING *
  ),${eventsAndOutbox(entity, 'created', 'r.version', 's.__meta', '$2', false, 'r JOIN src AS s ON s.id = r.id', 's.__ord, ')}
  SELECT NULL::int AS current_version, r.id, r.version, (to_jsonb(r))::text AS body FROM r`;

  const update = `
  WITH ${entityLock(entity)},
  cur AS (
    SELECT id, version${hasStatus ? ', status' : ''} FROM ${table}, lk WHERE id = $1 FOR UPDATE OF ${table}
  ),
  r AS (
    UPDATE ${table} AS t SET (${cols.map(ident).join(', ')}, version, updated_at) =
      (SELECT ${cols.map((c) => columnValue(entity, c, { previousStatus: 't.status', patchParam: '$2' })).join(', ')}, t.version + 1, now()
       FROM jsonb_populate_record(t, $2::jsonb) AS p)
    FROM cur
    WHERE t.id = cur.id AND ($3::int IS NULL OR cur.version = $3::int)
    RETURNING t.*${hasStatus ? ', cur.status AS __prev_status' : ''}
  ),${eventsAndOutbox(entity, 'updated', 'r.version', '$4', '$5', hasStatus)}
  SELECT (SELECT version FROM cur) AS current_version, r.id, r.version, (to_jsonb(r) - '__prev_status')::text AS body
  FROM (SELECT 1) AS one LEFT JOIN r ON true`;

  const del = `
  WITH ${entityLock(entity)},
  r AS (
    DELETE FROM ${table} USING lk WHERE id = $1 AND ($2::int IS NULL OR version = $2::int) RETURNING ${table}.*
  ),${eventsAndOutbox(entity, 'deleted', 'r.version + 1', '$3', '$4', false)}
  SELECT (SELECT version FROM ${table} WHERE id = $1) AS current_version, r.id, r.version, (to_jsonb(r))::text AS body
  FROM (SELECT 1) AS one LEFT JOIN r ON true`;

  return { create, update, delete: del };
}

const cache = new Map<string, Statements>();
function statementsFor(entity: Entity): Statements {
  let s = cache.get(entity.table);
  if (!s) cache.set(entity.table, (s = buildStatements(entity)));
  return s;
}

interface ResultRow {
  current_version: number | null;
  id: string | null;
  version: number | null;
  body: string | null;
}

export type Create = Extract<Change, { op: 'create' }>;

/** One create as the statement's input: its id (drawn here when the client named none) and its JSON. */
export interface CreateDoc {
  entity: Entity;
  id: string;
  json: string;
}

export function createDoc(c: Create): CreateDoc {
  const named = typeof c.data.id === 'string';
  // Postgres answers with the canonical (lowercase) text of a uuid: look results up by it.
  const id = named ? (c.data.id as string).toLowerCase() : randomUUID();
  const doc = named ? { d: c.data, m: c.metadata, n: true } : { d: { ...c.data, id }, m: c.metadata };
  return { entity: c.entity, id, json: JSON.stringify(doc) };
}

/**
 * Creates of one entity, in one statement and one transaction; results in the order of
 * `docs`. Throws (nothing written) when any row fails a constraint, or an event would be a
 * message over the limit; a single create naming a spent id gets `id_used` whichever way it
 * was found out (the NOT EXISTS, or events_created_once_idx when it raced a delete).
 */
export async function applyCreates(db: Queryable, docs: readonly CreateDoc[], limits: WriteLimits = DEFAULT_LIMITS): Promise<ChangeResult[]> {
  const entity = docs[0]!.entity;
  if (docs.some((d) => d.entity !== entity)) throw new Error('applyCreates: one entity per batch');
  let rows: ResultRow[];
  try {
    // Named statements are parsed and planned once per connection.
    ({ rows } = await db.query<ResultRow>({
      name: `${entity.table}_create`, text: statementsFor(entity).create,
      values: [`[${docs.map((d) => d.json).join(',')}]`, limits.maxMessageBytes],
    }));
  } catch (err) {
    // In a batch, which row it was is not known: the group committer retries each alone.
    if (docs.length === 1 && idReused(err)) return [{ ok: false, reason: 'id_used' }];
    throw err;
  }
  const byId = new Map<string, ResultRow>();
  for (const row of rows) byId.set(row.id!, row);
  return docs.map(({ id }): ChangeResult => {
    const row = byId.get(id);
    // The only row the statement leaves out is one naming the id of a deleted entity (the id
    // of a live one fails the insert: a duplicate key, 409 "id … already exists").
    return row ? { ok: true, id, version: row.version!, body: row.body! } : { ok: false, reason: 'id_used' };
  });
}

/**
 * An appended event: its aggregate's next version, under the same kind of advisory lock as an
 * entity's writes (so versions and xids follow each other), with its outbox row, in one
 * statement. The latest version is read by events_entity_idx, newest first: one row.
 */
const APPEND = `
  WITH lk AS MATERIALIZED (SELECT pg_advisory_xact_lock(${entityLockKey('$1', '$2')})),
  v AS (
    SELECT COALESCE((SELECT entity_version FROM events, lk WHERE entity_type = $1 AND entity_id = $2::uuid
                     ORDER BY position DESC LIMIT 1), 0) + 1 AS version
  ),
  ev AS (
    INSERT INTO events (event_type, entity_type, entity_id, entity_version, payload, metadata)
    SELECT $3, $1, $2::uuid, v.version, ${publishable('$4::jsonb', '$5::jsonb', '$6')}, $5::jsonb FROM v
    RETURNING *
  ),
  ob AS (
    INSERT INTO outbox (transaction_id, position, event_id, entity_type, event_type, shard)
    SELECT transaction_id, position, id, entity_type, event_type, l01_shard(entity_id) FROM ev
  )
  SELECT ev.id, ev.entity_version AS version, (to_jsonb(ev) || jsonb_build_object('transaction_id', ev.transaction_id::text))::text AS body FROM ev`;

/** Applies one change: entity row, event(s) and outbox row(s) in one atomic statement. */
export async function applyChange(db: Queryable, change: Change, limits: WriteLimits = DEFAULT_LIMITS): Promise<ChangeResult> {
  if (change.op === 'create') {
    // Its answer would not be stored: only group commit stores it (with the create, in one transaction).
    if (change.keyed) throw new Error('applyChange: a keyed create goes through groupCommit');
    return (await applyCreates(db, [createDoc(change)], limits))[0]!;
  }
  if (change.op === 'append') {
    const { rows } = await db.query<{ id: string; version: number; body: string }>({
      name: 'events_append', text: APPEND,
      values: [change.entityType, change.entityId, change.eventType, JSON.stringify(change.payload), JSON.stringify(change.metadata), limits.maxMessageBytes],
    });
    return { ok: true, id: rows[0]!.id, version: rows[0]!.version, body: rows[0]!.body };
  }
  const s = statementsFor(change.entity);
  const meta = JSON.stringify(change.metadata);
  const name = `${change.entity.table}_${change.op}`;
  const [text, values] = change.op === 'update'
    ? [s.update, [change.id, JSON.stringify(change.data), change.expectedVersion ?? null, meta, limits.maxMessageBytes]]
    : [s.delete, [change.id, change.expectedVersion ?? null, meta, limits.maxMessageBytes]];
  const { rows } = await db.query<ResultRow>({ name, text, values });
  const row = rows[0];
  if (row?.body != null && row.version != null) return { ok: true, id: row.id!, version: row.version, body: row.body };
  if (row?.current_version != null) return { ok: false, reason: 'version_mismatch', currentVersion: row.current_version };
  return { ok: false, reason: 'not_found' };
}
