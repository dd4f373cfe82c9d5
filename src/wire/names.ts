/**
 * Where events go in Redis: the key of every stream and the name of every channel. These
 * names are the consumer-facing contract (README "Streams and channels"); the relay, the
 * replay command, the consumer helpers, `l01 tail`, retention and the metrics all take
 * them from here. No dependencies: the consumer package imports this file as it is.
 */

/** Default prefix of every key the service writes (`L01_REDIS_PREFIX`). */
export const DEFAULT_PREFIX = 'l01:';

/** Default prefix in a Redis Cluster: hash-tagged, so every key lands in one slot. */
export const DEFAULT_CLUSTER_PREFIX = '{l01}:';

/**
 * The hash tag of a key prefix, as Redis Cluster reads it (cluster.c keyHashSlot): the
 * text between the first `{` and the first `}` after it, when not empty; null when the
 * prefix has none or leaves it open. A prefix with a tag puts every key under it in the
 * slot of that tag: the service's Lua scripts, MULTIs and pipelines name several keys
 * (streams, their dead-letter streams, BullMQ's keys), and a cluster refuses keys of two
 * slots in one command (CROSSSLOT). The one place the slot of the service's keys is decided.
 */
export function hashTag(prefix: string): string | null {
  const open = prefix.indexOf('{');
  if (open === -1) return null;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : null;
}

export interface WireNames {
  /** Prefix of every key: streams and queues (`L01_REDIS_PREFIX`). */
  prefix: string;
  /** Prefix of pub/sub channels (`L01_CHANNEL_PREFIX`, empty by contract; tests isolate with it). */
  channelPrefix: string;
  /** The original service's single channel (`L01_LEGACY_CHANNEL`, `l01:events`; empty: not published). */
  legacyChannel?: string;
}

/** The full name of the original's channel, or '' when it is off. */
export const legacyChannel = (n: WireNames): string => (n.legacyChannel ? `${n.channelPrefix}${n.legacyChannel}` : '');

/** What names a stream: the key prefix (a full WireNames will do). */
type Prefixed = Pick<WireNames, 'prefix'> & Partial<WireNames>;

/** `'global'` for every event, or an entity type (`'agent'`, `'training_example'`). */
export type StreamName = 'global' | (string & {});

/** The Redis key of a stream: `l01:stream:events` (all events) or `l01:stream:events:<entity_type>`. */
export function streamKey(stream: StreamName, prefix = DEFAULT_PREFIX): string {
  return stream === 'global' ? `${prefix}stream:events` : `${prefix}stream:events:${stream}`;
}

/** All events, in global commit-safe order. */
export const globalStream = (n: Prefixed) => streamKey('global', n.prefix);

/** The events of one entity type (e.g. `l01:stream:events:agent`). */
export const entityStream = (n: Prefixed, entityType: string) => streamKey(entityType, n.prefix);

/** Every stream the relay writes: the global one and one per entity type. */
export const eventStreamKeys = (n: Prefixed, entityTypes: readonly string[]): string[] => [
  globalStream(n),
  ...entityTypes.map((t) => entityStream(n, t)),
];

/** The pub/sub channel of an event type (or a pattern such as `agent_*`): `events:agent_created`. */
export function channelName(eventType: string, channelPrefix = ''): string {
  return `${channelPrefix}events:${eventType}`;
}

export const channel = (n: Pick<WireNames, 'channelPrefix'>, eventType: string) => channelName(eventType, n.channelPrefix);

/** The per-group dead-letter stream of a consumer group (consumer helper): `<stream>:dlq:<group>`. */
export function deadLetterStreamKey(key: string, group: string): string {
  return `${key}:dlq:${group}`;
}

/**
 * One relay partition of `count` (L01_RELAY_PARTITIONS): `index` in 0 … count − 1. An event
 * belongs to partition `shard(entity_id) mod count` (wire/partition.ts), so every event of
 * an entity is in one partition, and in order there.
 */
export interface Partition {
  index: number;
  count: number;
}

/** One partition (the default): today's keys, unchanged. */
export const SOLE_PARTITION: Partition = { index: 0, count: 1 };

/**
 * The key prefix of a partition's streams (and of its publish counter): with one partition,
 * the prefix itself (`l01:`); with more, the partition's number joins the prefix's hash tag
 * (`{l01}:` → `{l01.p2}:`), or, for a prefix without one, follows it (`l01:` → `l01:p2:`).
 * So in a Redis Cluster each partition's streams share a slot of their own (publish.lua
 * names them in one call) while the partitions spread over the masters.
 */
export function partitionPrefix(prefix: string, p: Partition): string {
  if (p.count === 1) return prefix;
  const tag = hashTag(prefix);
  if (tag === null) return `${prefix}p${p.index}:`;
  const open = prefix.indexOf('{');
  return `${prefix.slice(0, open)}{${tag}.p${p.index}}${prefix.slice(open + tag.length + 2)}`;
}

/** The names of a partition's streams: the same names with the partition's prefix. */
export const partitionNames = <N extends Prefixed>(n: N, p: Partition): N => ({ ...n, prefix: partitionPrefix(n.prefix, p) });

/** Every partition of `count`, in order. */
export const partitionsOf = (count: number): Partition[] => Array.from({ length: count }, (_, index) => ({ index, count }));

/** The key of a stream in each of `count` partitions (one key when count is 1): what a reader of "the stream" reads. */
export const partitionStreamKeys = (stream: StreamName, prefix: string, count: number): string[] =>
  partitionsOf(count).map((p) => streamKey(stream, partitionPrefix(prefix, p)));

/** Every stream the relays of `count` partitions write: eventStreamKeys of each partition. */
export const partitionedStreamKeys = (n: Prefixed, entityTypes: readonly string[], count: number): string[] =>
  partitionsOf(count).flatMap((p) => eventStreamKeys(partitionNames(n, p), entityTypes));
