/**
 * The message limit, checked where events are written. The relay refuses to publish a
 * message over `L01_MAX_MESSAGE_BYTES` (workers/publisher.ts); an event whose message is over
 * it would be retried, dead-lettered, and hold delivery back each time. So the write path
 * refuses the write instead (`l01_publishable`, migration 0008), in the statement itself:
 * nothing of the change is written, and every kind of write (grouped creates, updates,
 * deletes, appended events) is covered by the same check.
 *
 * What Redis receives per event is two messages (wire/message.ts, and wire/legacy.ts on the
 * original's channel), each the payload and the metadata as Postgres writes them (spliced in
 * unparsed) inside an envelope. The statement measures payload and metadata exactly
 * (`octet_length(…::text)`); the envelope is taken at its worst case, computed here from the
 * same functions that write the messages: every text field at its column's length, each
 * character escaped to six bytes (`\u0001`), the longest numbers and timestamps. A few KB
 * out of megabytes: conservative, never short.
 */
import { legacyMessageText } from '../wire/legacy.js';
import { messageText } from '../wire/message.js';

/** The default of `L01_MAX_MESSAGE_BYTES` (config.ts), for writers given no limit (tests, tools). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** A string of `n` characters that JSON.stringify writes as six bytes each. */
const worst = (n: number) => '\u0001'.repeat(n);
const UUID = '00000000-0000-0000-0000-000000000000';
/** Longer than Postgres writes any timestamptz in JSON (`"294276-12-31T23:59:59.999999+15:59:59"`). */
const TIMESTAMP = JSON.stringify('9'.repeat(48));

/** The most bytes any message adds around an event's payload and metadata. */
export const ENVELOPE_BYTES: number = Math.max(
  Buffer.byteLength(messageText({
    event_id: UUID, event_type: worst(255), entity_type: worst(120), entity_id: UUID,
    entity_version: -2_147_483_648, position: '9223372036854775807', payload: '', metadata: '',
    created_at: TIMESTAMP, replayed: false,
  })),
  Buffer.byteLength(legacyMessageText({
    // The legacy type and aggregate type are derived from these, never longer than 2× them.
    entity_type: worst(120), event_type: worst(255) + worst(255), aggregate_id: worst(255),
    payload: '', metadata: '', created_at_utc: TIMESTAMP,
  })),
);

/**
 * The SQL that checks one event and yields its payload, or fails the statement with
 * SQLSTATE L0413: `payload` and `metadata` are jsonb expressions, `max` the parameter that
 * holds the limit.
 */
export const publishable = (payload: string, metadata: string, max: string) =>
  `l01_publishable(${payload}, ${metadata}, ${ENVELOPE_BYTES}, ${max}::int)`;

/** SQLSTATE of a write refused by `l01_publishable`; its DETAIL is `<message bytes> <limit>`. */
export const MESSAGE_TOO_LARGE = 'L0413';
