import pg from 'pg';
import type { Logger } from 'pino';

export interface PoolOptions {
  url: string;
  size: number;
  /** Statement timeout; a connection silent 1 s past it is given up (half-open socket). */
  timeoutMs: number;
  /** Connecting, or waiting for a free pooled client; default `timeoutMs`. */
  connectTimeoutMs?: number;
  name: string;
}

/**
 * A pg pool that fails fast instead of hanging: connect and statement timeouts, TCP
 * keepalive for half-open connections, and an `error` listener, because an idle client
 * losing its server (a Postgres restart) emits `error` and would otherwise crash the process.
 */
export function createPool(opts: PoolOptions, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.size,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? opts.timeoutMs,
    statement_timeout: opts.timeoutMs,
    query_timeout: opts.timeoutMs + 1000,
    idle_in_transaction_session_timeout: opts.timeoutMs * 2,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: opts.name,
  });
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle postgres client lost'));
  return pool;
}

/** Anything that runs a query: a pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.ClientBase;

/** A pool: queries, and connections of its own for a transaction (the batch writer, Idempotency-Key). */
export type Pool = Pick<pg.Pool, 'query' | 'connect'>;
