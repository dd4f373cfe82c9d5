/**
 * The message every stream entry and pub/sub message carries, as consumers see it, and
 * the one function that reads it from a stream entry. Kept free of server imports: a
 * consumer of the package needs ioredis and nothing else.
 */

/** One event as published: the `data` field of a stream entry, or a pub/sub message. */
export interface L01Event<P = Record<string, unknown>> {
  event_type: string;
  event_id: string;
  entity_type: string;
  entity_id: string;
  /**
   * 1 on create, +1 per change; a delete carries the last version + 1. The key of
   * idempotent consumers: skip a version of an entity_id you already applied.
   */
  entity_version: number;
  /** Global position in the event log (insertion order). */
  position: number;
  /** The entity after the change (before it, for a delete). */
  payload: P;
  /** `request_id`, `correlation_id`, `caller`. */
  metadata: Record<string, unknown>;
  timestamp: string;
  /** True when re-published by a dead-letter retry or `l01 replay`: you may have seen it before. */
  replayed: boolean;
}

/** A stream entry as ioredis returns it: `[id, [field, value, field, value, …]]`. */
export type RawEntry = [id: string, fields: string[]];

export class MalformedEntryError extends Error {}

/** Reads the `data` field of a stream entry; throws MalformedEntryError when it is not an event. */
export function parseEntry(entry: RawEntry): L01Event {
  const [id, fields] = entry;
  let data: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'data') data = fields[i + 1];
  if (data === undefined) throw new MalformedEntryError(`entry ${id} has no data field`);
  return parseMessage(data, `entry ${id}`);
}

/** Parses a pub/sub message or a stream entry's `data`. */
export function parseMessage(text: string, where = 'message'): L01Event {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedEntryError(`${where}: data is not JSON`);
  }
  const e = value as Partial<L01Event> | null;
  if (!e || typeof e !== 'object' || typeof e.event_type !== 'string' || typeof e.entity_id !== 'string') {
    throw new MalformedEntryError(`${where}: data is not an L01 event`);
  }
  return { ...e, replayed: e.replayed === true } as L01Event;
}
