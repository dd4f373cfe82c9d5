/**
 * The SQL of Idempotency-Key (api/idempotency): the in-flight marker, the stored answers and
 * their purge. Keys are scoped by caller: two callers' equal keys never meet.
 *
 * In flight: a session-level advisory lock on the key's hash, held by the connection that
 * serves the request from before its first write until its answer is committed (or given
 * up). It needs no xid, so taking it before the write leaves the entity lock's order intact
 * (write.ts), and it goes away with the connection if the process dies. A retry that cannot
 * take it is answered 409 at once, never queued behind the first.
 */

export interface StoredAnswer {
  status: number;
  /** The answer's headers a replay repeats (content-type, etag, location). */
  headers: Record<string, string>;
  body: string;
}

export interface StoredRow extends StoredAnswer {
  fingerprint: string;
}

/** Expired rows deleted by each keyed write at most: the purge's work is bounded, and skips what others purge. */
export const PURGE_BATCH = 64;

// The caller's length first: caller ids contain ':' themselves (`jwt:a:b` + `c` ≠ `jwt:a` + `b:c`).
const keyLock = `hashtextextended('idempotency:' || length($1) || ':' || $1 || $2, 0)`;

/** $1 caller, $2 key → locked: true when this connection now holds the key. */
export const TRY_LOCK_KEY = `SELECT pg_try_advisory_lock(${keyLock}) AS locked`;
export const UNLOCK_KEY = `SELECT pg_advisory_unlock(${keyLock})`;

/** $1 caller, $2 key: the live answer (read after the lock, so a first request that just committed is seen). */
export const FIND_ANSWER = `
  SELECT fingerprint, status, headers, body FROM idempotency_keys
  WHERE caller = $1 AND key = $2 AND expires_at > now()`;

/**
 * $1 caller, $2 key, $3 fingerprint, $4 status, $5 headers, $6 body, $7 TTL in ms. Runs in the
 * transaction of the write it answers, so both commit or neither. An expired row of the same
 * key is replaced; up to PURGE_BATCH other expired rows are deleted (index on expires_at;
 * SKIP LOCKED: concurrent writers purge different rows instead of waiting for each other).
 */
export const STORE_ANSWER = `
  WITH purged AS (
    DELETE FROM idempotency_keys WHERE (caller, key) IN (
      SELECT caller, key FROM idempotency_keys
      WHERE expires_at <= now() AND NOT (caller = $1 AND key = $2)
      ORDER BY expires_at LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED)
  )
  INSERT INTO idempotency_keys (caller, key, fingerprint, status, headers, body, created_at, expires_at)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6, now(), now() + $7 * interval '1 millisecond')
  ON CONFLICT (caller, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status,
    headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`;
