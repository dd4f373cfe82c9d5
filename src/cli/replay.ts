/**
 * Re-publishing events from the event log, marked `"replayed": true`.
 *
 * Stream ids only grow, and an event's original id `<transaction_id>-<position>` is long
 * past, so a replayed entry needs a fresh id that still sorts after everything the relay
 * has published and before everything it will publish. Two ways, both keyed on the xid of
 * a new transaction X:
 *
 * - **Through the outbox (default)**: the events are appended to the outbox as requeued
 *   rows `(X, position)`, exactly as a dead-letter retry does. The one relay publishes
 *   them, in order, to the streams and the channels, with ids `<X>-<position>`; its usual
 *   commit-safe ordering puts them after every transaction older than X and before every
 *   newer one. Crash-safe (the rows stay until published) and no second publisher exists.
 *
 * - **Streams only (`--stream`)**: the pub/sub channels are left alone (their listeners are
 *   live notifications, not a log), so the relay, which always PUBLISHes, cannot do it.
 *   The CLI XADDs `<X>-<position>` itself, and its open transaction X is the fence that
 *   makes those ids safe: it waits until X is the oldest running transaction and the
 *   outbox holds nothing below X (everything older is published), appends, then commits.
 *   While X is open the relay publishes nothing newer (it reads below the snapshot xmin),
 *   so nothing can land between. The relay is held back for the length of the append.
 *   With relay partitions, each event goes to its entity's partition's streams (its
 *   partition is `partitionOf(entity_id)`, the `l01_shard` the outbox row would carry): the
 *   fence holds for every partition's relay alike, all reading below the same xmin.
 */
import type { RedisClient } from '../redis.js';
import type pg from 'pg';
import { toOutgoing } from '../outbox/batches.js';
import { wakeRelay } from '../outbox/signal.js';
import { claimedColumns } from '../outbox/message-columns.js';
import type { ClaimedEvent } from '../outbox/sql.js';
import { sleep } from '../lib/time.js';
import { entryFields } from '../wire/message.js';
import { entityStream, globalStream, partitionNames, type WireNames } from '../wire/names.js';
import { partitionOf } from '../wire/partition.js';

export interface Range {
  from: number;
  to?: number;
}

/** Appends the events of the range to the outbox as requeued rows; returns how many. */
export async function queueReplay(db: pg.ClientBase, range: Range): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO outbox (transaction_id, position, event_id, entity_type, event_type, requeued, shard)
     SELECT pg_current_xact_id(), position, id, entity_type, event_type, true, l01_shard(entity_id)
     FROM events WHERE position >= $1 AND ($2::bigint IS NULL OR position <= $2)
     ORDER BY position`,
    [range.from, range.to ?? null],
  );
  await wakeRelay(db);
  return rowCount ?? 0;
}

const PAGE = 1000;

export interface StreamReplayOptions {
  /** Give up waiting for the fence after this long, ms. */
  waitMs: number;
  /** The relay's partition count (L01_RELAY_PARTITIONS): each event goes to its entity's partition's streams. Default 1. */
  partitions?: number;
  onStart?: (total: number) => void;
  onProgress?: (done: number) => void;
}

/** Waits until transaction X is the oldest running one and the outbox is drained below it. */
async function awaitFence(db: pg.ClientBase, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { rows } = await db.query<{ xid: string; oldest: boolean; below: number }>(
      `SELECT pg_current_xact_id()::text AS xid,
              pg_snapshot_xmin(pg_current_snapshot()) = pg_current_xact_id() AS oldest,
              (SELECT count(*)::int FROM outbox WHERE transaction_id < pg_current_xact_id()) AS below`,
    );
    const r = rows[0]!;
    if (r.oldest && r.below === 0) return r.xid;
    if (Date.now() > deadline) {
      throw new Error(r.below > 0
        ? `${r.below} older events are still in the outbox: is a relay worker running? (nothing was replayed)`
        : 'an older transaction is still open (see `l01 outbox status`); nothing was replayed');
    }
    await sleep(100);
  }
}

/** XADDs the range to the global and entity streams of each event's partition with ids `<X>-<position>`; returns how many. */
export async function replayToStreams(db: pg.ClientBase, redis: RedisClient, names: WireNames, range: Range, o: StreamReplayOptions): Promise<number> {
  const partitions = o.partitions ?? 1;
  await db.query('BEGIN');
  try {
    const xid = await awaitFence(db, o.waitMs);
    const { rows: count } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM events WHERE position >= $1 AND ($2::bigint IS NULL OR position <= $2)', [range.from, range.to ?? null]);
    o.onStart?.(count[0]!.n);
    let done = 0;
    for (let after = range.from - 1; ;) {
      // The relay's own columns and message (outbox/sql.ts, wire/message.ts), as if each event
      // sat in the outbox at (X, position), requeued: marked replayed.
      const { rows } = await db.query<ClaimedEvent>(
        `SELECT ${claimedColumns('false')}
         FROM (SELECT $3::xid8 AS transaction_id, e.position, e.id AS event_id, e.entity_type, e.event_type, true AS requeued
               FROM events AS e WHERE e.position > $1 AND ($2::bigint IS NULL OR e.position <= $2)
               ORDER BY e.position LIMIT ${PAGE}) AS o
         JOIN events AS e ON e.position = o.position ORDER BY o.position`,
        [after, range.to ?? null, xid],
      );
      if (rows.length === 0) break;
      // Each event to its entity's partition's streams, one pipeline per partition: in a
      // Redis Cluster each partition's streams are in a slot of their own (wire/names.ts).
      const batches = new Map<number, ReturnType<RedisClient['pipeline']>>();
      for (const row of rows) {
        const partition = partitionOf(row.entity_id, partitions);
        const own = partitionNames(names, { index: partition, count: partitions });
        const event = toOutgoing(row);
        const fields = entryFields(event.eventType, event.message);
        const batch = batches.get(partition) ?? batches.set(partition, redis.pipeline()).get(partition)!;
        batch.xadd(globalStream(own), event.id, ...fields);
        batch.xadd(entityStream(own, event.entityType), event.id, ...fields);
      }
      const results = await Promise.all([...batches.values()].map((b) => b.exec()));
      const failed = results.flatMap((r) => r ?? []).find(([err]) => err);
      if (failed) throw new Error(`appending to the streams failed: ${failed[0]!.message}`);
      done += rows.length;
      o.onProgress?.(done);
      after = Number(rows.at(-1)!.position);
    }
    await db.query('COMMIT');
    return done;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
