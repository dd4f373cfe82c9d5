/**
 * Every statement the relay runs against Postgres, in one place (what operators read of the
 * outbox, `outboxStatus`, is in status.ts).
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
import { compareEntryIds, type EntryId } from '../wire/entry-id.js';
import { SOLE_PARTITION, type Partition } from '../wire/names.js';
import { AGGREGATE_ID, messageColumns, messagePieces, partsOf } from './message-columns.js';

/**
 * One claimed event: its outbox key, its routing, and its messages, written by Postgres
 * (wire/message.ts `messageSql`, wire/legacy.ts `legacyMessageSql`) from the stored parts.
 */
export interface ClaimedEvent {
  transaction_id: string;
  position: string;
  event_id: string;
  entity_type: string;
  event_type: string;
  entity_id: string;
  /** A dead letter put back by an operator, or a replayed event: published marked `replayed`. */
  requeued: boolean;
  /** The message (`L01Event` JSON); empty when `oversize`. */
  message: string;
  /**
   * The original service's message, when the statement was asked for it (its channel is
   * on), else null: `legacy_head`, then the message's body (between its first `body_from`
   * and its last `body_tail` octets), then `legacy_tail` (wire/legacy.ts).
   */
  legacy_head: string | null;
  legacy_tail: string | null;
  body_from: number | null;
  body_tail: number | null;
  /** Octets of payload + metadata as sent (absent where a statement does not measure them). */
  bytes?: number;
  /** Payload and metadata alone exceed the message limit: not read (empty), never publishable. */
  oversize?: boolean;
  /** On the last row of a batch: it stopped at its byte budget (the next row did not fit). */
  cut?: boolean;
}

/**
 * Outbox rows with their events, in commit-safe order, bounded by count AND by bytes;
 * `where` narrows them down ($1 is the count, `p` the number of the first of three more
 * parameters: the message limit, the byte budget, whether to write the original's message).
 *
 * The byte bound: each candidate's payload and metadata are turned into the text that is
 * sent, once (a subquery with a LIMIT is never flattened into the outer query, so the cast
 * is not repeated where it is measured), measured, and a running sum keeps the prefix that
 * fits the budget. The first row always goes, so
 * one event larger than the budget travels alone. An event whose parts alone exceed the
 * message limit can never be published: its parts are not sent at all (empty,
 * `oversize`), it costs the batch nothing, and the publisher dead-letters it at once
 * (workers/publisher.ts). `cut`, on the last row, says the budget ended the batch (the next
 * candidate did not fit).
 *
 * Why bytes: 150 events of ~1 MB queued while the relay was stopped made a 1,000-event
 * claim hold ~150 MB of text, then ~5 copies of it (messages in both shapes, the Lua
 * call's arguments); the worker passed its 112 MB heap cap and crash-looped, delivering
 * nothing. Rows measured but not kept stay in Postgres (the window's tuplestore spills to
 * disk past work_mem); the relay measures fewer after a cut (relay.ts), so a backlog of
 * big rows is not measured over and over. EXPLAIN ANALYZE on a 100k-row outbox: Subquery
 * Scan → WindowAgg → Limit → Nested Loop (index scans of the outbox key and events_pkey),
 * no sort, each cast done once in the Nested Loop; 1,000 rows in ~5 ms. Walking 100k small
 * events by claims, 9 alternating runs on a busy machine: 63–109k/s, the unbounded claim
 * it replaces 67–133k/s (about 0.9 × at the median).
 */
/** The head and tail of a claimed row's message (`s`, below), written once per row. */
const PIECES = messagePieces(partsOf('s'));

const boundedRows = (source: string, where: string, p: number) => `
  WITH candidates AS (
    SELECT o.transaction_id, o.position, o.event_id, o.entity_type, o.event_type, o.requeued,
           e.entity_id, e.entity_version, e.created_at, e.payload::text AS payload, e.metadata::text AS metadata,
           ${AGGREGATE_ID} AS aggregate_id
    FROM ${source} AS o
    JOIN events AS e ON e.position = o.position
    WHERE ${where}
    ORDER BY o.transaction_id, o.position
    LIMIT $1
  ), measured AS (
    SELECT c.*, octet_length(c.payload) + octet_length(c.metadata) AS bytes FROM candidates AS c
  ), costed AS (
    SELECT c.*, c.bytes > $${p}::bigint AS oversize, CASE WHEN c.bytes > $${p}::bigint THEN 0 ELSE c.bytes END AS cost
    FROM measured AS c
  ), sized AS (
    SELECT c.*, row_number() OVER w AS n, sum(c.cost) OVER w AS running, lead(c.cost) OVER w AS next_cost
    FROM costed AS c
    WINDOW w AS (ORDER BY c.transaction_id, c.position ROWS UNBOUNDED PRECEDING)
  )
  SELECT s.transaction_id::text AS transaction_id, s.position::text AS position, s.event_id,
         s.entity_type, s.event_type, s.requeued, s.entity_id,
         ${messageColumns(partsOf('s'), `$${p + 2}::boolean`, 's.oversize', { head: 'm.head', tail: 'm.tail' })},
         s.bytes::int AS bytes, s.oversize,
         COALESCE(s.running + s.next_cost > $${p + 1}::bigint, false) AS cut
  FROM sized AS s
  -- OFFSET 0 keeps the pieces a subquery of their own, written once per row, not once per use.
  CROSS JOIN LATERAL (SELECT ${PIECES.head} AS head, ${PIECES.tail} AS tail OFFSET 0) AS m
  WHERE s.n = 1 OR s.running <= $${p + 1}::bigint
  ORDER BY s.transaction_id, s.position`;

/**
 * A partition's rows, as a condition written into the statement (` AND mod(o.shard, 4) = 2`),
 * nothing with one partition. Literals, not parameters, for the plans: with one partition
 * the claim stays the walk of the outbox key above (a `mod(shard, $n) = $i` the planner
 * estimates at 0.5% of the rows, so it scanned the whole outbox, joined every row to its
 * event and sorted them: 125–154 ms per 1,000-row claim of a 30k outbox instead of 5.6 ms);
 * with P partitions a partition's claim and completion walk the index on
 * `(mod(shard, P), transaction_id, position)` (plans.ts ensurePartitionIndex) from its last key. The
 * outbox row carries its entity's shard; the log's rows do not, so there it is computed.
 */
const inPartition = (shard: string, p: Partition) => (p.count === 1 ? '' : ` AND mod(${shard}, ${p.count}) = ${p.index}`);
const logInPartition = (p: Partition) => inPartition('l01_shard(e.entity_id)', p);
/** A statement's name per partition (each partition's text differs). */
const named = (name: string, p: Partition) => (p.count === 1 ? name : `${name}_p${p.index}of${p.count}`);

/** Builds each partition's statement once. */
function perPartition(build: (p: Partition) => string): (p: Partition) => string {
  const texts = new Map<string, string>();
  return (p) => {
    const key = `${p.index}/${p.count}`;
    let text = texts.get(key);
    if (text === undefined) texts.set(key, (text = build(p)));
    return text;
  };
}

const CLAIM = perPartition((p) => boundedRows('outbox', `o.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      AND (o.transaction_id, o.position) > ($2::xid8, $3::bigint)${inPartition('o.shard', p)}`, 4));

const RANGE = perPartition((p) => boundedRows('outbox', `(o.transaction_id, o.position) > ($2::xid8, $3::bigint)
      AND (o.transaction_id, o.position) <= ($4::xid8, $5::bigint)${inPartition('o.shard', p)}`, 6));

/**
 * The log itself as a source of rows shaped like outbox rows, for re-publishing what Redis
 * lost (outbox/healing.ts): every event, marked requeued (published `replayed`), except
 * those parked in the dead letters (never published under their own id; one published by
 * a retry is, so it is healed at its own place). $6: only these entity types, or NULL.
 */
const LOG_AS_OUTBOX = (p: Partition) => `(SELECT e.transaction_id, e.position, e.id AS event_id, e.entity_type, e.event_type, true AS requeued
    FROM events AS e
    WHERE (e.transaction_id, e.position) > ($2::xid8, $3::bigint)
      AND (e.transaction_id, e.position) <= ($4::xid8, $5::bigint)
      AND ($6::text[] IS NULL OR e.entity_type = ANY ($6::text[]))${logInPartition(p)}
      AND NOT EXISTS (SELECT 1 FROM dead_letters AS d WHERE d.event_id = e.id AND d.status <> 'published'))`;
const LOG_RANGE = perPartition((p) => boundedRows(LOG_AS_OUTBOX(p), 'true', 7));

/**
 * What a batch holds: at most `bytes` of payload + metadata; `maxMessageBytes`: parts above
 * it are not read; `legacy`: each event's message in the original's shape too (its channel is on).
 */
export interface BatchBounds {
  bytes: number;
  maxMessageBytes: number;
  legacy?: boolean;
}
/** No byte bound, no original's message (tools and tests that only care about counts). */
export const UNBOUNDED: BatchBounds = { bytes: Number.MAX_SAFE_INTEGER, maxMessageBytes: Number.MAX_SAFE_INTEGER };

/**
 * The next batch in commit-safe order, strictly after `after` (a key already handed to
 * the publisher but not yet deleted, so the relay can claim ahead while a batch is in flight).
 */
export async function claimBatch(
  db: Queryable, limit: number, after: EntryId, bounds: BatchBounds = UNBOUNDED, partition: Partition = SOLE_PARTITION,
): Promise<ClaimedEvent[]> {
  const { rows } = await db.query<ClaimedEvent>({
    name: named('relay_claim', partition), text: CLAIM(partition),
    values: [limit, after.transactionId, after.position, bounds.maxMessageBytes, bounds.bytes, bounds.legacy === true],
  });
  return rows;
}

/**
 * The rows of a batch claimed earlier: after `after`, up to and including `last`. All of
 * them were below the horizon when claimed, so no row can have joined the range since;
 * rows already completed (deleted) are simply not there any more. The same bounds as the
 * claim keep the same rows.
 */
export async function readBatch(
  db: Queryable, after: EntryId, last: EntryId, limit: number, bounds: BatchBounds = UNBOUNDED, partition: Partition = SOLE_PARTITION,
): Promise<ClaimedEvent[]> {
  const { rows } = await db.query<ClaimedEvent>({
    name: named('relay_read_batch', partition), text: RANGE(partition),
    values: [limit, after.transactionId, after.position, last.transactionId, last.position, bounds.maxMessageBytes, bounds.bytes, bounds.legacy === true],
  });
  return rows;
}

/**
 * Events of the log after `after` up to and including `last` (of `entityTypes` only, when
 * given), shaped and bounded like a claimed batch, for re-publishing what Redis lost.
 */
export async function readLogRange(
  db: Queryable, after: EntryId, last: EntryId, entityTypes: string[] | null, limit: number, bounds: BatchBounds, partition: Partition = SOLE_PARTITION,
): Promise<ClaimedEvent[]> {
  const { rows } = await db.query<ClaimedEvent>({
    name: named('relay_read_log_range', partition), text: LOG_RANGE(partition),
    values: [limit, after.transactionId, after.position, last.transactionId, last.position, entityTypes, bounds.maxMessageBytes, bounds.bytes, bounds.legacy === true],
  });
  return rows;
}

/**
 * Where the healer starts (outbox/healing.ts): the checkpoint (everything at or below it
 * reached the global stream) and the entity types with an event published at or below it
 * (their streams must exist). Types by a loose index scan of events_entity_idx, one probe
 * per type: ~30 index lookups, not a scan of the log.
 */
export async function healingStart(db: Queryable, partition: Partition = SOLE_PARTITION): Promise<{ checkpoint: EntryId | null; entityTypes: string[] }> {
  const { rows } = await db.query<{ transaction_id: string | null; position: string | null; entity_types: string[] }>({
    name: named('relay_healing_start', partition),
    text: `
      WITH RECURSIVE types AS (
        (SELECT entity_type FROM events ORDER BY entity_type LIMIT 1)
        UNION ALL
        SELECT (SELECT e.entity_type FROM events AS e WHERE e.entity_type > t.entity_type ORDER BY e.entity_type LIMIT 1)
        FROM types AS t WHERE t.entity_type IS NOT NULL
      ), cp AS (SELECT transaction_id, position FROM relay_checkpoint WHERE partitions = $1::int AND partition = $2::int)
      SELECT (SELECT transaction_id::text FROM cp) AS transaction_id, (SELECT position::text FROM cp) AS position,
             COALESCE((SELECT array_agg(t.entity_type::text ORDER BY t.entity_type) FROM types AS t, cp
                       WHERE t.entity_type IS NOT NULL AND EXISTS (
                         SELECT 1 FROM events AS e
                         WHERE e.entity_type = t.entity_type
                           AND (e.transaction_id, e.position) <= (cp.transaction_id, cp.position)
                           ${logInPartition(partition)}
                           AND NOT EXISTS (SELECT 1 FROM dead_letters AS d WHERE d.event_id = e.id))), '{}') AS entity_types`,
    values: [partition.count, partition.index],
  });
  const r = rows[0]!;
  return {
    checkpoint: r.transaction_id !== null && r.position !== null ? { transactionId: r.transaction_id, position: r.position } : null,
    entityTypes: r.entity_types,
  };
}

/**
 * Below which key stream retention would have trimmed a stream by now (of `entityType`'s
 * events, or all when null, at or below `upper`): the newest event older than `retentionMs`,
 * and the newest beyond the `maxLen` newest, whichever is later; null when it keeps all.
 * Both walk events_log_order_idx backwards from `upper`, as far as the stream keeps.
 */
export async function retentionFloor(
  db: Queryable, entityType: string | null, upper: EntryId, policy: { retentionMs: number; maxLen: number }, partition: Partition = SOLE_PARTITION,
): Promise<EntryId | null> {
  const found: EntryId[] = [];
  const newest = (extra: string) => `
    SELECT transaction_id::text AS "transactionId", position::text AS position FROM events AS e
    WHERE ($1::text IS NULL OR entity_type = $1) AND (transaction_id, position) <= ($2::xid8, $3::bigint)${logInPartition(partition)} ${extra}
    ORDER BY transaction_id DESC, position DESC`;
  const values = (limit: number) => [entityType, upper.transactionId, upper.position, limit];
  if (policy.retentionMs > 0) {
    const { rows } = await db.query<EntryId>(`${newest(`AND created_at < now() - $4::bigint * interval '1 millisecond'`)} LIMIT 1`, values(policy.retentionMs));
    if (rows[0]) found.push(rows[0]);
  }
  if (policy.maxLen > 0) {
    const { rows } = await db.query<EntryId>(`${newest('')} OFFSET $4 LIMIT 1`, values(policy.maxLen));
    if (rows[0]) found.push(rows[0]);
  }
  return found.reduce<EntryId | null>((a, b) => (a === null || compareEntryIds(b, a) > 0 ? b : a), null);
}

export const keyOf = (e: ClaimedEvent): EntryId => ({ transactionId: e.transaction_id, position: e.position });

/**
 * Removes the published rows up to `last` and advances the checkpoint, in one statement
 * (one transaction). The checkpoint never moves backwards, even if a deposed leader
 * finishes a stale batch late. Requeued dead letters in the batch are marked published.
 */
export async function completeBatch(db: Queryable, last: EntryId, requeuedIds: string[], partition: Partition = SOLE_PARTITION): Promise<number> {
  const { rows } = await db.query<{ deleted: string }>({
    name: named('relay_complete', partition),
    text: `
      WITH gone AS (
        DELETE FROM outbox WHERE (transaction_id, position) <= ($1::xid8, $2::bigint)${inPartition('shard', partition)} RETURNING 1
      ), revived AS (
        UPDATE dead_letters SET status = 'published', updated_at = now()
        WHERE event_id = ANY($3::uuid[]) AND status = 'retrying'
      ), n AS (SELECT count(*) AS deleted FROM gone)
      , cp AS (
        INSERT INTO relay_checkpoint AS c (partitions, partition, transaction_id, position, published, updated_at)
        SELECT $4::int, $5::int, $1::xid8, $2::bigint, n.deleted, now() FROM n
        ON CONFLICT (partitions, partition) DO UPDATE
          SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position,
              published = c.published + EXCLUDED.published, updated_at = now()
          WHERE (c.transaction_id, c.position) < (EXCLUDED.transaction_id, EXCLUDED.position)
      )
      SELECT deleted FROM n`,
    values: [last.transactionId, last.position, requeuedIds, partition.count, partition.index],
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
