import { AsyncLocalStorage } from 'node:async_hooks';
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

/**
 * Where reads go when a replica is configured (`DATABASE_READ_URL`): the queries a GET or
 * HEAD handler runs are sent to `replica`, every other query to `primary`. The app marks
 * those handlers (api/app.ts, `onRoute`) by running them inside `inRead`; nothing else needs
 * to know. So a write, and any lookup a write makes (a PATCH finding its row by business
 * id), always reads the primary, and GETs read a standby that may lag it.
 *
 * Why the events cursor stays exact on a standby: its snapshot counts every transaction
 * the primary has running as running (the standby marks all xids up to the newest it has
 * seen in WAL as in progress until their commit or abort arrives), so
 * `pg_snapshot_xmin(pg_current_snapshot())` there holds back a late commit exactly as on
 * the primary (db/events.ts). tests/read-replica.test.ts checks it on a real replica.
 */
export interface ReadRouting {
  /** The Queryable the read routes use. */
  db: Queryable;
  /** Runs `fn` (a GET handler) with its queries on the replica. */
  inRead<T>(fn: () => T): T;
}

export function readRouting(primary: Queryable, replica?: Queryable): ReadRouting {
  if (!replica) return { db: primary, inRead: (fn) => fn() };
  const reads = new AsyncLocalStorage<Queryable>();
  const db = {
    query: (...args: unknown[]) => (reads.getStore() ?? primary).query(...(args as [string])),
  } as Pick<pg.Pool, 'query'>;
  return { db, inRead: (fn) => reads.run(replica, fn) };
}
