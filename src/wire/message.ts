/**
 * What an event looks like when it leaves the service, in one place:
 *
 * - `LogEvent`: an event of the log as the HTTP API returns it (`GET /api/events`, history).
 * - `L01Event`: the message of a stream entry (its `data` field) and of a pub/sub message.
 *
 * Both carry the same `EventFields`; the log adds its storage identity (`id`, `cursor`,
 * `transaction_id`, `created_at`), the message names them for consumers (`event_id`,
 * `timestamp`) and says whether it is a re-publication (`replayed`). The field names are
 * fixed by DESIGN.md.
 *
 * The message is written here, in two renderings of one shape: `messageSqlParts`, which
 * the relay's claim and the replay command have Postgres run (payload and metadata are
 * spliced in as the jsonb's text, never parsed, so a large payload is not re-serialised on
 * its way to Redis), and `messageText`, the same text from the same parts in JavaScript
 * (what the message limit measures; tests/message-sql holds the two to one output).
 * No dependencies: the consumer package imports this file as it is.
 */
import { isAppended } from './legacy.js';

export interface EventFields<P = Record<string, unknown>> {
  event_type: string;
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
  /**
   * `request_id`, `correlation_id`, `caller`, and `traceparent` / `tracestate` (W3C trace
   * context) when the write was traced: see `messageTraceContext`.
   */
  metadata: Record<string, unknown>;
}

/** One event of the log, as `GET /api/events` returns it. */
export interface LogEvent<P = Record<string, unknown>> extends EventFields<P> {
  id: string;
  /** The writing transaction (xid8), decimal. */
  transaction_id: string;
  /** `<transaction_id>-<position>`: log order, and the id of the event in every stream. */
  cursor: string;
  created_at: string;
}

/** One event as published: the `data` field of a stream entry, or a pub/sub message. */
export interface L01Event<P = Record<string, unknown>> extends EventFields<P> {
  event_id: string;
  /** When the event was written (its `created_at`). */
  timestamp: string;
  /** True when re-published by a dead-letter retry or `l01 replay`: you may have seen it before. */
  replayed: boolean;
}

/**
 * An event as the relay reads it from Postgres (see `outbox/sql.ts`): scalars as text,
 * `payload` and `metadata` as JSON text, `created_at` as a JSON string literal.
 */
export interface MessageParts {
  event_id: string;
  event_type: string;
  entity_type: string;
  entity_id: string;
  entity_version: number;
  position: string;
  payload: string;
  metadata: string;
  /** `to_json(created_at)`: a quoted ISO 8601 string, microseconds and offset as Postgres writes them. */
  created_at: string;
  replayed: boolean;
}

/** The JSON text of an `L01Event`, keys in the order of the interface. */
export function messageText(p: MessageParts): string {
  return `{"event_type":${JSON.stringify(p.event_type)},"event_id":${JSON.stringify(p.event_id)},` +
    `"entity_type":${JSON.stringify(p.entity_type)},"entity_id":${JSON.stringify(p.entity_id)},` +
    `"entity_version":${Number(p.entity_version)},"position":${BigInt(p.position)},` +
    `"payload":${p.payload},"metadata":${p.metadata},"timestamp":${p.created_at},"replayed":${p.replayed === true}}`;
}

/**
 * The same text as `messageText`, written by Postgres: SQL expressions over the columns of
 * `c` (SQL expressions of the parts; `payload` and `metadata` jsonb or their text,
 * `created_at` a timestamptz, `replayed` a boolean), in three pieces whose concatenation is
 * the message. `body`, `"payload":…,"metadata":…,"timestamp":`, is also the middle of the
 * original's message (wire/legacy.ts), which publish.lua writes from it. The relay's claim
 * writes its messages this way (outbox/sql.ts), so the worker receives each message as one
 * string instead of building it from its parts: per 1,000 events the worker spent 3.3 ms
 * of CPU writing messages, beside what those intermediate strings cost its garbage
 * collector. `to_json` of a text escapes as `JSON.stringify` does (`\"`, `\\`,
 * `\b \f \n \r \t`, other controls as `\u00xx`); tests/message-sql asserts that both
 * write the same text.
 */
export function messageSqlParts(c: { [K in keyof MessageParts]: string }): { head: string; body: string; tail: string } {
  return {
    head: `concat('{"event_type":', to_json(${c.event_type}::text), ',"event_id":', to_json(${c.event_id}::text),
    ',"entity_type":', to_json(${c.entity_type}::text), ',"entity_id":', to_json(${c.entity_id}::text),
    ',"entity_version":', ${c.entity_version}, ',"position":', ${c.position}, ',')`,
    body: `concat('"payload":', ${c.payload}::text, ',"metadata":', ${c.metadata}::text, ',"timestamp":')`,
    tail: `concat(to_json(${c.created_at}), ',"replayed":', CASE WHEN ${c.replayed} THEN 'true' ELSE 'false' END, '}')`,
  };
}

/** The whole message as one SQL expression (see messageSqlParts). */
export function messageSql(c: { [K in keyof MessageParts]: string }): string {
  const { head, body, tail } = messageSqlParts(c);
  return `concat(${head}, ${body}, ${tail})`;
}

/**
 * The `metadata` of a message Postgres wrote (messageSqlParts), as its JSON text, without
 * parsing the payload: the publish span reads trace context there for every traced event.
 * The message's own keys follow a comma with no space, and jsonb's text never has one
 * (it writes `, ` between items, and a quote inside a string is escaped), so
 * `,"metadata":` and `,"timestamp":` each occur once, around the metadata.
 */
export function messageMetadataText(message: string): string {
  const from = message.indexOf(',"metadata":') + ',"metadata":'.length;
  return message.slice(from, message.lastIndexOf(',"timestamp":'));
}

/**
 * The W3C trace context a message carries: the `traceparent` and `tracestate` of the
 * request (or of its write span, when the service traces) that wrote the event, kept in
 * its metadata. That is the one carrier, the same in a stream entry's `data`, a pub/sub
 * message (Redis pub/sub has no message properties) and the original service's
 * `l01:events` message, and it survives healing and replay untouched, since those send the
 * stored event again. An event a caller appended (`POST /events`) keeps the caller's
 * metadata at the top as sent, so the service's own fields, trace context included, are
 * under `metadata.l01`. Undefined when the event has none (the request sent no valid
 * `traceparent` and the service does not trace). Not checked here: a consumer hands it to
 * its propagator, which refuses a malformed one.
 */
export function messageTraceContext(event: Pick<EventFields, 'entity_type' | 'metadata'>): { traceparent: string; tracestate?: string } | undefined {
  const meta = isAppended(event.entity_type) ? event.metadata?.l01 : event.metadata;
  const m = meta as { traceparent?: unknown; tracestate?: unknown } | null | undefined;
  if (!m || typeof m.traceparent !== 'string') return undefined;
  return typeof m.tracestate === 'string' ? { traceparent: m.traceparent, tracestate: m.tracestate } : { traceparent: m.traceparent };
}

/** A stream entry as ioredis returns it: `[id, [field, value, field, value, …]]`. */
export type RawEntry = [id: string, fields: string[]];

/** The fields of a stream entry, in order: `event_type`, then `data` (the message). */
export const entryFields = (eventType: string, message: string): string[] => ['event_type', eventType, 'data', message];

export class MalformedEntryError extends Error {
  override name = 'MalformedEntryError';
}

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
