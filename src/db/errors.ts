/** What a database error means for the caller, decided in one place. */

/**
 * Postgres SQLSTATE classes that mean "the database is not reachable or not answering",
 * or not writable right now (25006: a read-only standby, as during a failover).
 */
const UNAVAILABLE_CODES = /^(08|57P0[1-3]|53|57014|25006)/;
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
/** What node-postgres says when the connection, not the statement, failed. */
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i;

/**
 * True when an error says the database could not be reached or did not answer (a 503),
 * false when it is the statement's own fault (a constraint, a bad value, a trigger).
 */
export function databaseUnavailable(err: unknown): boolean {
  const { code = '', message = '' } = (err ?? {}) as { code?: string; message?: string };
  return UNAVAILABLE_CODES.test(code) || NETWORK_ERRORS.has(code) || DRIVER_MESSAGES.test(message);
}

/**
 * The unique index on events (entity_type, entity_id) of `<entity>_created` events: an
 * entity id is created once, ever (schema.ts, migration 0007).
 */
export const CREATED_ONCE_INDEX = 'events_created_once_idx';

/** True when a write failed because the id it creates was created before (and deleted since). */
export function idReused(err: unknown): boolean {
  const { code, constraint } = (err ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && constraint === CREATED_ONCE_INDEX;
}
