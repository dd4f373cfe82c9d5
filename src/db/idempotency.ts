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
 * A create sent with an Idempotency-Key whose answer follows from its result alone (the
 * generic create routes: 201, the row, ETag, Location): the answer is stored in the create's
 * own transaction, so such creates go through group commit like any other (group-commit.ts).
 */
export interface KeyedCreate {
  caller: string;
  key: string;
  fingerprint: string;
  ttlMs: number;
  answer(written: { id: string; version: number; body: string }): StoredAnswer;
}

/** An answer to store, with whose key it answers and for how long (STORE_ANSWERS' rows). */
export interface AnswerRow extends StoredAnswer {
  caller: string;
  key: string;
  fingerprint: string;
  ttl_ms: number;
}

/**
 * $1: a JSON array of AnswerRow. Runs in the transaction of the write(s) it answers, so they
 * commit together or not at all: one row for a keyed request's own transaction
 * (api/idempotency/session.ts), every keyed create of a group-committed batch (group-commit.ts).
 * An expired row of the same key is replaced; up to PURGE_BATCH other expired rows are
 * deleted (index on expires_at; SKIP LOCKED: concurrent writers purge different rows instead
 * of waiting for each other).
 */
export const STORE_ANSWERS = `
  WITH a AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS a(caller text, key text, fingerprint text, status int, headers jsonb, body text, ttl_ms bigint)
  ),
  purged AS (
    DELETE FROM idempotency_keys WHERE (caller, key) IN (
      SELECT caller, key FROM idempotency_keys
      WHERE expires_at <= now() AND (caller, key) NOT IN (SELECT caller, key FROM a)
      ORDER BY expires_at LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED)
  )
  INSERT INTO idempotency_keys (caller, key, fingerprint, status, headers, body, created_at, expires_at)
  SELECT caller, key, fingerprint, status, headers, body, now(), now() + ttl_ms * interval '1 millisecond' FROM a
  ON CONFLICT (caller, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status,
    headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`;
