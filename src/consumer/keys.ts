/**
 * Stream and channel names, as published by the relay (README "Streams and channels").
 * Mirrors `src/outbox/streams.ts` without importing the server.
 */

/** Default key prefix (`L01_REDIS_PREFIX`). */
export const DEFAULT_PREFIX = 'l01:';

/** `'global'` for every event, or an entity type (`'agent'`, `'training_example'`). */
export type StreamName = 'global' | (string & {});

/** The Redis key of a stream: `l01:stream:events` or `l01:stream:events:<entity_type>`. */
export function streamKey(stream: StreamName, prefix = DEFAULT_PREFIX): string {
  return stream === 'global' ? `${prefix}stream:events` : `${prefix}stream:events:${stream}`;
}

/** The per-group dead-letter stream of a consumer group: `<stream>:dlq:<group>`. */
export function deadLetterStreamKey(key: string, group: string): string {
  return `${key}:dlq:${group}`;
}

/** The pub/sub channel of an event type (or a pattern such as `agent_*`). */
export function channelName(eventType: string, channelPrefix = ''): string {
  return `${channelPrefix}events:${eventType}`;
}

/** A glob over event types (`*`, `?`), as PSUBSCRIBE reads it, for filtering caught-up entries. */
export function globMatcher(patterns: readonly string[]): (eventType: string) => boolean {
  const res = patterns.map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
  return (eventType) => res.some((re) => re.test(eventType));
}
