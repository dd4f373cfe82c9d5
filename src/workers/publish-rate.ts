/**
 * How many events a relay partition appended to the streams in the last minute: the
 * dashboard's publish rate. Nothing else records it: the checkpoint keeps a running total
 * with the time of its last move (no history to difference), stream ids are commit
 * positions (no time), and the worker's Prometheus counters live in each process.
 *
 * So publish.lua counts, in the script that appends: one Redis hash per partition, a field
 * per second of Redis's clock (`TIME`), incremented by the entries the batch added (new
 * ones only: a re-run's duplicates are not counted). Counting in the script keeps the
 * count exact and on one clock whichever worker leads; it costs a HINCRBY per batch.
 * How it fails: RedisClient losing the hash (a restart without persistence, eviction under a
 * volatile-* policy) reads as fewer events in the window, never more.
 */
import type { RedisClient } from '../redis.js';
import type { WireNames } from '../wire/names.js';

/** The window, seconds: publish.lua keeps this much of the hash (and drops the rest). */
export const PUBLISH_WINDOW_S = 60;

/** The counter of a partition: `l01:relay:published:0`. */
export const publishCounterKey = (names: Pick<WireNames, 'prefix'>, partition: number): string =>
  `${names.prefix}relay:published:${partition}`;

/**
 * Events appended in the last PUBLISH_WINDOW_S seconds of Redis's clock, the current
 * second included (so 59 to 60 s of publishing).
 */
export async function publishedInWindow(redis: RedisClient, names: Pick<WireNames, 'prefix'>, partition: number): Promise<number> {
  const replies = await redis.pipeline().time().hgetall(publishCounterKey(names, partition)).exec();
  const [[timeErr, time], [countErr, counts]] = replies as [[Error | null, [string, string]], [Error | null, Record<string, string>]];
  if (timeErr) throw timeErr;
  if (countErr) throw countErr;
  const now = Number(time[0]);
  let events = 0;
  for (const [second, n] of Object.entries(counts)) {
    if (Number(second) > now - PUBLISH_WINDOW_S) events += Number(n);
  }
  return events;
}
