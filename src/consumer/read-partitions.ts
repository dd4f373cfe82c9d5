/**
 * One XREADGROUP pass over a stream's partition keys (L01_RELAY_PARTITIONS; one key when
 * there is one partition): the new entries of each key, in each key's own order.
 *
 * On a standalone Redis every key goes in one command (`STREAMS k0 k1 … > > …`): BLOCK
 * returns as soon as any of them has an entry, so P partitions cost what one did.
 *
 * In a Redis Cluster the partitions' keys are in different slots (names.ts partitionPrefix:
 * `{l01.p0}:`, `{l01.p1}:`, …), and one command may not name two slots (CROSSSLOT), so each
 * key gets its own. First a pass without BLOCK, all keys at once: under load it finds entries
 * and never waits. Only when every key was empty, a blocking pass, again all keys at once,
 * each blocking `wait / P`: the client has one connection per master, and a master serving
 * two partitions runs their blocked reads one after the other, so an idle pass lasts at most
 * `wait` (as with one key), whatever the partitions per master, and an entry appended to a
 * partition queued behind another's block is read within `wait`.
 */
import { Cluster, type Redis } from 'ioredis';
import type { RawEntry } from '../wire/message.js';

type Reply = Array<[string, RawEntry[]]> | null;

export interface ReadPass {
  redis: Redis | Cluster;
  keys: readonly string[];
  group: string;
  consumer: string;
  count: number;
  /** How long the pass may wait for a first entry, ms. */
  wait: number;
}

/**
 * The new entries of each key that has some, as [key, entries]; none after `wait`. A key whose
 * read failed (in a Cluster, one master unreachable) is in `failed`: the entries the other
 * reads brought are ours now (pending to this consumer), so they are returned, not dropped.
 */
export async function readNew(o: ReadPass): Promise<{ found: Array<[string, RawEntry[]]>; failed?: unknown }> {
  const read = (keys: readonly string[], block?: number) =>
    (block === undefined
      ? o.redis.xreadgroup('GROUP', o.group, o.consumer, 'COUNT', o.count, 'STREAMS', ...keys, ...keys.map(() => '>'))
      : o.redis.xreadgroup('GROUP', o.group, o.consumer, 'COUNT', o.count, 'BLOCK', block, 'STREAMS', ...keys, ...keys.map(() => '>'))) as Promise<Reply>;
  if (!(o.redis instanceof Cluster) || o.keys.length === 1) return { found: (await read(o.keys, o.wait)) ?? [] };
  const each = async (block?: number) => {
    const settled = await Promise.allSettled(o.keys.map((k) => read([k], block)));
    const found = settled.flatMap((r) => (r.status === 'fulfilled' ? r.value ?? [] : []));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
    if (failed !== undefined && found.length === 0) throw failed;
    return { found, failed };
  };
  const first = await each();
  if (first.failed !== undefined || first.found.some(([, entries]) => entries.length > 0)) return first;
  return each(Math.max(1, Math.floor(o.wait / o.keys.length)));
}
