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
