/**
 * Where events go in Redis, and the one call that puts them there (publish.lua).
 * Key names are the consumer-facing contract: see README "Streams and channels".
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export interface StreamNames {
  /** Prefix of every key: streams and queues (`L01_REDIS_PREFIX`). */
  prefix: string;
  /** Prefix of pub/sub channels (`L01_CHANNEL_PREFIX`, empty by contract). */
  channelPrefix: string;
}

/** All events, in global commit-safe order. */
export const globalStream = (n: StreamNames) => `${n.prefix}stream:events`;
/** The events of one entity type (e.g. `l01:stream:events:agent`). */
export const entityStream = (n: StreamNames, entityType: string) => `${n.prefix}stream:events:${entityType}`;
/** Pub/sub channel of one event type: `events:agent_created`. */
export const channel = (n: StreamNames, eventType: string) => `${n.channelPrefix}events:${eventType}`;
/** Stream entry id of an outbox row: its commit-safe order, so Redis refuses duplicates. */
export const streamId = (transactionId: string, position: string) => `${transactionId}-${position}`;

export interface OutgoingEvent {
  id: string;
  entityType: string;
  eventType: string;
  message: string;
}

export const PUBLISHED = 1;
export const ALREADY_PUBLISHED = 0;
export const CONFLICT = -1;

const SCRIPT = readFileSync(new URL('./publish.lua', import.meta.url), 'utf8');

type WithPublish = Redis & { l01Publish(numKeys: number, ...args: string[]): Promise<number[]> };

/** Publishes events in order; returns one status per event (PUBLISHED, ALREADY_PUBLISHED, CONFLICT). */
export async function publishEvents(redis: Redis, names: StreamNames, events: OutgoingEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const r = redis as WithPublish;
  if (typeof r.l01Publish !== 'function') redis.defineCommand('l01Publish', { lua: SCRIPT });
  const keys = [globalStream(names), ...events.map((e) => entityStream(names, e.entityType))];
  const args: string[] = [];
  for (const e of events) args.push(e.id, channel(names, e.eventType), e.eventType, e.message);
  return r.l01Publish(keys.length, ...keys, ...args);
}
