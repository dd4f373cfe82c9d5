/**
 * What the event streams hold and how far their consumer groups have got, read from Redis
 * (XLEN, XINFO GROUPS, XINFO CONSUMERS): the API's /metrics gauges and the dashboard's
 * overview read them here. Reads only, one pipeline per step.
 */
import { masters, type RedisClient } from '../redis.js';
import type { WireNames } from '../wire/names.js';

export interface ConsumerInfo {
  name: string;
  /** Entries delivered to this consumer and not acknowledged. */
  pending: number;
  /** Since the consumer last read or claimed, ms (XINFO CONSUMERS idle). */
  idle_ms: number;
}

export interface GroupInfo {
  name: string;
  /** Entries not yet delivered to the group; null when Redis cannot tell (entries deleted in the unread range). */
  lag: number | null;
  /** Entries delivered to the group and not acknowledged. */
  pending: number;
  /** Entries the group has read (null when Redis cannot tell). */
  entries_read: number | null;
  last_delivered_id: string;
  /** Only when asked for. */
  consumers?: ConsumerInfo[];
}

export interface StreamInfo {
  key: string;
  length: number;
  groups: GroupInfo[];
}

/** XINFO as ioredis returns it: one flat [field, value, …] array per item. */
function records(reply: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(reply)) return [];
  return reply.map((flat: unknown[]) => {
    const r: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) r[String(flat[i])] = flat[i + 1];
    return r;
  });
}

const count = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Each existing stream of `keys`, in that order, with its groups (and, with `consumers`,
 * each group's consumers). A key that is not there (no event of its type yet, or lost)
 * is left out. Throws when Redis fails.
 */
export async function readStreams(redis: RedisClient, keys: readonly string[], o: { consumers?: boolean } = {}): Promise<StreamInfo[]> {
  const pipe = redis.pipeline();
  for (const key of keys) pipe.xlen(key).xinfo('GROUPS', key);
  const replies = (await pipe.exec()) ?? [];
  const streams: StreamInfo[] = [];
  keys.forEach((key, i) => {
    const [lenErr, len] = replies[2 * i] ?? [];
    if (lenErr) throw lenErr;
    if (!len) return; // XLEN is 0 for a missing key; the relay never leaves a stream empty
    const [, groups] = replies[2 * i + 1] ?? []; // an error here: the key is not a stream (gone meanwhile)
    streams.push({
      key,
      length: Number(len),
      groups: records(groups).map((g) => ({
        name: String(g.name),
        lag: count(g.lag),
        pending: Number(g.pending ?? 0),
        entries_read: count(g['entries-read']),
        last_delivered_id: String(g['last-delivered-id'] ?? ''),
      })),
    });
  });
  if (o.consumers) await addConsumers(redis, streams);
  return streams;
}

async function addConsumers(redis: RedisClient, streams: StreamInfo[]): Promise<void> {
  const groups = streams.flatMap((s) => s.groups.map((g) => ({ key: s.key, g })));
  if (groups.length === 0) return;
  const pipe = redis.pipeline();
  for (const { key, g } of groups) pipe.xinfo('CONSUMERS', key, g.name);
  const replies = (await pipe.exec()) ?? [];
  groups.forEach(({ g }, i) => {
    const [, consumers] = replies[i] ?? []; // the group was destroyed meanwhile: none
    g.consumers = records(consumers).map((c) => ({ name: String(c.name), pending: Number(c.pending ?? 0), idle_ms: Number(c.idle ?? 0) }));
  });
}

/** Glob characters in a key prefix, escaped for SCAN MATCH. */
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * The event streams present in Redis: every stream key under `<prefix>stream:events`
 * (the global one, entity types, callers' `domain:` types), without the consumer helper's
 * dead-letter streams (`…:dlq:<group>`: a consumer writes them, not the relay). SCAN
 * examines at most `maxKeys` keys (about: COUNT is a hint), so a huge keyspace answers
 * in bounded time; `complete` is false when it stopped before the end.
 */
export async function findEventStreams(redis: RedisClient, names: Pick<WireNames, 'prefix'>, maxKeys = 20_000): Promise<{ keys: string[]; complete: boolean }> {
  const match = `${globEscape(names.prefix)}stream:events*`;
  const found = new Set<string>();
  let complete = true;
  // Every master of a cluster holds its own keys (one, when the prefix's hash tag puts them all in one slot).
  for (const node of masters(redis)) {
    let cursor = '0';
    let examined = 0;
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000, 'TYPE', 'stream');
      for (const k of keys) if (!k.includes(':dlq:')) found.add(k);
      cursor = next;
      examined += 1000;
    } while (cursor !== '0' && examined < maxKeys);
    complete &&= cursor === '0';
  }
  return { keys: [...found].sort(), complete };
}
