/**
 * Consumer-group reading of an L01 stream, with the guarantees a consuming layer needs:
 *
 * - **At least once**: an entry is acknowledged (XACK) only after its handler resolved.
 *   A handler that throws leaves it pending; it is delivered again (to any consumer of the
 *   group) once it has been idle for `claimIdleMs`.
 * - **Dead consumers**: entries a crashed consumer read but never acknowledged are taken
 *   over with XAUTOCLAIM after `claimIdleMs` by whichever consumer of the group is alive.
 *   A handler that runs longer than `claimIdleMs` is presumed dead the same way: keep
 *   handlers well under it.
 * - **Poison entries**: after `maxDeliveries` deliveries (the XPENDING delivery count) an
 *   entry goes to the group's dead-letter stream `<stream>:dlq:<group>` with the last error
 *   and its delivery count, and is acknowledged, so one bad entry cannot stall a group.
 * - **Graceful stop**: abort `signal`; the handler in progress finishes (and is acked),
 *   nothing new is read, and the promise resolves. Stopping takes at most `blockMs` longer.
 *
 * Delivery is at least once, so make the handler idempotent. Every event carries
 * `entity_id` and `entity_version` (1, +1 per change): record the last version applied per
 * entity in the same transaction as the effect, and skip anything not newer:
 *
 * ```ts
 * handler: async (event) => {
 *   await db.query('BEGIN');
 *   const { rowCount } = await db.query(
 *     `INSERT INTO applied (entity_id, version) VALUES ($1, $2)
 *      ON CONFLICT (entity_id) DO UPDATE SET version = EXCLUDED.version
 *      WHERE applied.version < EXCLUDED.version`, [event.entity_id, event.entity_version]);
 *   if (rowCount === 1) await applyEffect(event);   // 0 rows: already applied, skip
 *   await db.query('COMMIT');
 * }
 * ```
 *
 * A status change publishes two events with the same version (`task_updated`, then
 * `task_started`); key on `event_id` as well if both matter to you.
 *
 * **Partitions**: with `partitions` (L01_RELAY_PARTITIONS of the relay) above 1, the stream
 * is one key per partition (`l01:p0:stream:events`, `l01:p1:…`; wire/names.ts), and an
 * entity's events are all in one of them, in order. The helper reads every partition's key
 * with the same group and hands entries over one at a time, each key's in its stream order:
 * entry N+1 of a partition only after N's handler returned, as one key's were before (an
 * entry whose handler threw is handed over again later, after newer ones, as before). There
 * is no order across partitions, and none is promised: only an entity's own events are
 * ordered. Acks, reclaiming (XAUTOCLAIM) and dead letters (`<partition key>:dlq:<group>`)
 * are per partition key.
 *
 * **Tracing**: each delivery runs the handler inside a `process <stream>` span whose parent
 * is the trace context the event carries (its write's span), active while the handler
 * runs: with an OpenTelemetry SDK registered in your process, `trace.getActiveSpan()` and
 * your own spans continue the writer's trace (consumer/trace.ts). Without one, no-ops.
 */
import { Cluster, type Redis } from 'ioredis';
import { sleep } from '../lib/time.js';
import { MalformedEntryError, parseEntry, type L01Event, type RawEntry } from '../wire/message.js';
import { DEFAULT_CLUSTER_PREFIX, DEFAULT_PREFIX, deadLetterStreamKey, partitionStreamKeys, type StreamName } from '../wire/names.js';
import { readNew } from './read-partitions.js';
import { processInSpan } from './trace.js';

export interface HandlerContext {
  /** The stream entry id (`<transaction_id>-<position>`). */
  id: string;
  /** The stream key read: the partition's key when there are partitions. */
  stream: string;
  /** The relay partition the entry is in (0 … partitions − 1; 0 with one). */
  partition: number;
  /** 1 on first delivery; more when re-delivered after a failure or a dead consumer. */
  deliveries: number;
  /** Aborted when the consumer is asked to stop: a long handler may cut its work short. */
  signal: AbortSignal;
}

export interface ConsumeStreamOptions {
  /**
   * A connection for this consumer alone: XREADGROUP BLOCK holds it for up to `blockMs`.
   * Its command timeout, if any, must exceed `blockMs`. A `Cluster` reads from the master
   * of the stream's slot; the stream and its dead-letter stream share that slot (with
   * partitions, each partition's key is read from its own slot: read-partitions.ts).
   */
  redis: Redis | Cluster;
  /** `'global'` (every event) or an entity type (`'agent'`). */
  stream: StreamName;
  /** Key prefix (`L01_REDIS_PREFIX`). Default `'l01:'`; `'{l01}:'` on a Cluster. */
  prefix?: string;
  /**
   * The relay's partition count (`L01_RELAY_PARTITIONS`): the stream is read in every
   * partition. Default 1 (the keys of the wire contract, unchanged). Must be the relay's:
   * with fewer, the other partitions' events are never read.
   */
  partitions?: number;
  group: string;
  /** Unique per process of the group, stable across restarts if possible (e.g. hostname). */
  consumer: string;
  handler: (event: L01Event, ctx: HandlerContext) => Promise<void> | void;
  /** Where a new group starts: `'0'` (the whole stream, default) or `'$'` (new entries only). */
  startId?: string;
  /** Entries read per XREADGROUP, per partition. Default 10. */
  count?: number;
  /** How long XREADGROUP waits for new entries, ms. Default 2000. */
  blockMs?: number;
  /** An entry pending this long is presumed abandoned and reclaimed, ms. Default 30000. */
  claimIdleMs?: number;
  /** How often to look for abandoned entries, ms. Default min(claimIdleMs, 5000). */
  claimIntervalMs?: number;
  /** Deliveries before an entry is dead-lettered. Default 5. */
  maxDeliveries?: number;
  signal?: AbortSignal;
  /** Redis or handler errors (the loop carries on). Default: ignore. */
  onError?: (err: unknown, ctx?: { id: string; deliveries: number }) => void;
}

export interface ConsumerStats {
  processed: number;
  failed: number;
  reclaimed: number;
  deadLettered: number;
}

/** Creates the group (and the stream) unless it exists. */
export async function ensureGroup(redis: Redis | Cluster, key: string, group: string, startId = '0'): Promise<void> {
  try {
    await redis.xgroup('CREATE', key, group, startId, 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
  }
}

/** One partition's key of the stream, and its dead-letter stream. */
interface PartitionKey {
  key: string;
  dlq: string;
  partition: number;
}

/** Reads `stream` as `consumer` of `group` until `signal` aborts. Resolves with what it did. */
export async function consumeStream(o: ConsumeStreamOptions): Promise<ConsumerStats> {
  const prefix = o.prefix ?? (o.redis instanceof Cluster ? DEFAULT_CLUSTER_PREFIX : DEFAULT_PREFIX);
  const streams: PartitionKey[] = partitionStreamKeys(o.stream, prefix, o.partitions ?? 1)
    .map((key, partition) => ({ key, dlq: deadLetterStreamKey(key, o.group), partition }));
  const byKey = new Map(streams.map((s) => [s.key, s]));
  const signal = o.signal ?? new AbortController().signal;
  const blockMs = o.blockMs ?? 2000;
  const claimIdleMs = o.claimIdleMs ?? 30_000;
  const claimIntervalMs = o.claimIntervalMs ?? Math.min(claimIdleMs, 5000);
  const maxDeliveries = o.maxDeliveries ?? 5;
  const stats: ConsumerStats = { processed: 0, failed: 0, reclaimed: 0, deadLettered: 0 };
  const { redis } = o;

  const deadLetter = async (s: PartitionKey, entry: RawEntry, deliveries: number, error: string) => {
    const fields = entry[1];
    await redis
      .multi()
      .xadd(s.dlq, '*', 'original_id', entry[0], 'stream', s.key, 'group', o.group, 'consumer', o.consumer,
        'deliveries', String(deliveries), 'error', error.slice(0, 2000), 'failed_at', new Date().toISOString(), ...fields)
      .xack(s.key, o.group, entry[0])
      .exec();
    stats.deadLettered++;
  };

  /** Runs the handler on one entry; acks, leaves pending, or dead-letters. */
  const handle = async (s: PartitionKey, entry: RawEntry, deliveries: number) => {
    const id = entry[0];
    let event: L01Event;
    try {
      event = parseEntry(entry);
    } catch (err) {
      if (err instanceof MalformedEntryError) return deadLetter(s, entry, deliveries, err.message);
      throw err;
    }
    try {
      await processInSpan(event, s.key, { 'messaging.message.id': id, 'messaging.consumer.group.name': o.group, 'l01.deliveries': deliveries },
        () => o.handler(event, { id, stream: s.key, partition: s.partition, deliveries, signal }));
    } catch (err) {
      stats.failed++;
      o.onError?.(err, { id, deliveries });
      // Left pending: reclaimed after claimIdleMs, until the last allowed delivery.
      if (deliveries >= maxDeliveries) await deadLetter(s, entry, deliveries, errorText(err));
      return;
    }
    await redis.xack(s.key, o.group, id);
    stats.processed++;
  };

  /** Takes over a partition's entries idle longer than claimIdleMs (from dead consumers, or failed here). */
  const reclaim = async (s: PartitionKey) => {
    let cursor = '0-0';
    do {
      const [next, entries] = (await redis.xautoclaim(s.key, o.group, o.consumer, claimIdleMs, cursor, 'COUNT', 100)) as [string, Array<RawEntry | null>];
      cursor = next;
      const live = entries.filter((e): e is RawEntry => e !== null);
      if (live.length === 0) continue;
      // XAUTOCLAIM counted this delivery; XPENDING tells how many there have been.
      const pending = (await redis.xpending(s.key, o.group, live[0]![0], live.at(-1)![0], live.length, o.consumer)) as Array<[string, string, number, number]>;
      const counts = new Map(pending.map(([id, , , n]) => [id, Number(n)]));
      for (const entry of live) {
        if (signal.aborted) return; // stays claimed by us; reclaimed again after claimIdleMs
        const deliveries = counts.get(entry[0]) ?? maxDeliveries + 1;
        stats.reclaimed++;
        if (deliveries > maxDeliveries) {
          await deadLetter(s, entry, deliveries - 1, `not acknowledged after ${deliveries - 1} deliveries (consumer died or handler outlived claimIdleMs)`);
        } else {
          await handle(s, entry, deliveries);
        }
      }
    } while (cursor !== '0-0' && !signal.aborted);
  };

  const ensureGroups = () => Promise.all(streams.map((s) => ensureGroup(redis, s.key, o.group, o.startId)));
  // A client with ioredis's keyPrefix names the keys with it in the reply.
  const partitionKey = (key: string) => byKey.get(key) ?? streams.find((s) => key.endsWith(s.key))!;

  await ensureGroups();
  let lastClaim = 0;
  let backoff = 100;
  while (!signal.aborted) {
    try {
      if (Date.now() - lastClaim >= claimIntervalMs) {
        lastClaim = Date.now();
        for (const s of streams) if (!signal.aborted) await reclaim(s);
      }
      if (signal.aborted) break;
      const wait = Math.max(1, Math.min(blockMs, claimIntervalMs));
      const { found, failed } = await readNew({ redis, keys: streams.map((s) => s.key), group: o.group, consumer: o.consumer, count: o.count ?? 10, wait });
      read: for (const [key, entries] of found) {
        const s = partitionKey(key);
        for (const entry of entries) {
          // An entry read but not handled because we stop stays pending: reclaimed later.
          if (signal.aborted) break read;
          await handle(s, entry, 1);
        }
      }
      if (failed !== undefined) throw failed;
      backoff = 100;
    } catch (err) {
      o.onError?.(err);
      if (String((err as Error).message).includes('NOGROUP')) await ensureGroups().catch(() => {});
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, 2000);
    }
  }
  return stats;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
