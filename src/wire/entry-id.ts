/**
 * The id of an event in every stream, and its place in the outbox: `<transaction_id>-<position>`,
 * its commit-safe order. Stream ids only grow, so Redis itself refuses a second copy of an
 * event (the relay's idempotency rests on that), and a reader can compare two events by id.
 *
 * Both parts are 64-bit integers written in decimal: compared as BigInt (a JS number loses
 * precision past 2^53), never as strings or floats. No dependencies.
 */

export interface EntryId {
  /** The writing transaction's xid8, decimal. */
  transactionId: string;
  /** The event's position in the log, decimal. */
  position: string;
}

/** Before every event: the outbox is read after it from the start. */
export const ZERO_ENTRY: EntryId = { transactionId: '0', position: '0' };

/** `"<transaction_id>-<position>"`, the stream entry id. */
export const formatEntryId = (id: EntryId): string => `${id.transactionId}-${id.position}`;

export const entryIdOf = (transactionId: string, position: string): string => `${transactionId}-${position}`;

const ID = /^(\d{1,20})-(\d{1,20})$/;

/** The parts of a stream id, or null when it is not `<digits>-<digits>`. */
export function parseEntryId(text: string): EntryId | null {
  const m = ID.exec(text);
  return m ? { transactionId: m[1]!, position: m[2]! } : null;
}

function parts(id: string | EntryId): [bigint, bigint] {
  const p = typeof id === 'string' ? parseEntryId(id) : id;
  if (!p) throw new Error(`not a stream id: ${String(id)}`);
  return [BigInt(p.transactionId), BigInt(p.position)];
}

/** -1, 0 or 1, as the two ids sort in a stream. */
export function compareEntryIds(a: string | EntryId, b: string | EntryId): number {
  const [a1, a2] = parts(a);
  const [b1, b2] = parts(b);
  if (a1 !== b1) return a1 < b1 ? -1 : 1;
  return a2 === b2 ? 0 : a2 < b2 ? -1 : 1;
}

/** The smallest stream id greater than `id`. */
export function nextEntryId(id: string): string {
  const [ms, seq] = parts(id);
  return `${ms}-${seq + 1n}`;
}
