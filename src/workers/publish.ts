/**
 * The one call that puts events into Redis: publish.lua, which appends each event to the
 * global stream and its entity stream and PUBLISHes it on its channel, atomically and
 * idempotently (see the script's header). Names come from the wire contract.
 */
import type { Redis } from 'ioredis';
import { channel, entityStream, globalStream, legacyChannel, type WireNames } from '../wire/names.js';
import { withScript } from './lua.js';

/** One event ready to publish: its stream entry id, its routing and its message text. */
export interface OutgoingEvent {
  /** `<transaction_id>-<position>` (wire/entry-id.ts). */
  id: string;
  entityType: string;
  eventType: string;
  message: string;
  /** The original service's message (wire/legacy.ts), for its channel; absent when that is off. */
  legacyMessage?: string;
}

/** Appended to both streams, then PUBLISHed. */
export const PUBLISHED = 1;
/** Already in the global stream (a re-run after a crash, or a zombie worker): nothing written, nothing PUBLISHed. */
export const ALREADY_PUBLISHED = 0;
/** The stream is past this id yet does not hold it (Redis lost data, or the database was restored behind it). */
export const CONFLICT = -1;

type Publish = (numKeys: number, ...args: string[]) => Promise<number[]>;

/** Publishes events in order; returns one status per event (PUBLISHED, ALREADY_PUBLISHED, CONFLICT). */
export async function publishEvents(redis: Redis, names: WireNames, events: readonly OutgoingEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const r = withScript<'l01Publish', Publish>(redis, 'l01Publish', 'publish.lua');
  const keys = [globalStream(names), ...events.map((e) => entityStream(names, e.entityType))];
  const legacy = legacyChannel(names);
  const args: string[] = [];
  for (const e of events) {
    const withLegacy = legacy !== '' && e.legacyMessage !== undefined;
    args.push(e.id, channel(names, e.eventType), e.eventType, e.message, withLegacy ? legacy : '', withLegacy ? e.legacyMessage! : '');
  }
  return r.l01Publish(keys.length, ...keys, ...args);
}
