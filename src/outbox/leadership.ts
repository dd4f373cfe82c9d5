/**
 * One active relay at a time: the leader holds a Postgres advisory lock on a dedicated
 * connection. When the leader dies (even SIGKILL) its connection closes and Postgres
 * releases the lock at once; standbys try every `retryMs` and take over. A leader whose
 * connection breaks or stops answering (heartbeat) steps down immediately: a deposed
 * leader that kept publishing would still be harmless (stream ids deduplicate), but
 * stepping down keeps the work in one place.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { sleep } from '../lib/time.js';

export const RELAY_LOCK_KEY = 0x4c30_3152; // "L01R"

/**
 * The leader's connection names itself, and carries the leader's verdict on the Redis
 * streams: `l01-relay-leader` while they hold what it published, with a note appended
 * while they do not (Redis lost data and the leader is healing them). The verdict lives
 * on the leader's own session, so it needs no table, can never go stale (it ends with the
 * leader), and any process that can read the database reads it: the API's readiness,
 * `l01 outbox status`.
 */
export const LEADER_APPLICATION = 'l01-relay-leader';
export const STREAMS_BEHIND = 'redis streams behind the event log, healing';

/** Sets (or, with null, clears) the note on the leader's connection. */
export async function advertise(client: pg.ClientBase, note: string | null): Promise<void> {
  await client.query('SELECT set_config($1, $2, false)', ['application_name', note ? `${LEADER_APPLICATION}: ${note}` : LEADER_APPLICATION]);
}

/** The session holding the relay lock, as Postgres sees it (pg_stat_activity). */
export interface RelayLeader {
  /** The leader's backend pid (Postgres's, not the worker process's). */
  pid: number;
  /** `l01-relay-leader`, with the leader's note after `: ` while it has one. */
  application_name: string;
  /** Where the worker connects from (its host; null over a Unix socket) and its port. */
  client_addr: string | null;
  client_port: number | null;
  /** When the leader's connection opened: it leads from shortly after. */
  backend_start: string;
}

/**
 * The session holding the relay's advisory lock, or null when no process leads. A one-key
 * advisory lock appears in pg_locks with classid = high 32 bits, objid = low 32 bits and
 * objsubid 1. `l01 outbox status`, the readiness check and the dashboard read it.
 */
export async function relayLeader(db: Queryable, lockKey = RELAY_LOCK_KEY): Promise<RelayLeader | null> {
  const key = BigInt(lockKey);
  const { rows } = await db.query<RelayLeader>({
    name: 'relay_leader',
    text: `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.client_port, a.backend_start::text
           FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND l.classid = $1::oid AND l.objid = $2::oid`,
    values: [String(key >> 32n), String(key & 0xffff_ffffn)],
  });
  return rows[0] ?? null;
}

/** The note in a leader's application_name, or null when it has nothing to say. */
export function noteOf(leader: Pick<RelayLeader, 'application_name'> | null): string | null {
  const name = leader?.application_name ?? '';
  return name.startsWith(`${LEADER_APPLICATION}: `) ? name.slice(LEADER_APPLICATION.length + 2) : null;
}

/** The relay leader's note: null when there is no leader or it has nothing to say. */
export async function leaderNote(db: Queryable): Promise<string | null> {
  return noteOf(await relayLeader(db));
}

export interface LeaderContext {
  /** The leader's own connection (holds the lock; the relay LISTENs on it). */
  client: pg.Client;
  /** Aborted when leadership is lost or the process stops. */
  signal: AbortSignal;
}

export interface LeadershipOptions {
  url: string;
  log: Logger;
  retryMs: number;
  heartbeatMs: number;
  stop: AbortSignal;
}

export async function runAsLeader(opts: LeadershipOptions, lead: (ctx: LeaderContext) => Promise<void>): Promise<void> {
  const { log, stop } = opts;
  while (!stop.aborted) {
    const client = new pg.Client({
      connectionString: opts.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 1000,
      connectionTimeoutMillis: 3000,
      query_timeout: 5000,
      application_name: LEADER_APPLICATION,
    });
    const lost = new AbortController();
    client.on('error', (err) => {
      log.warn({ err: err.message }, 'leader connection error');
      lost.abort();
    });
    client.on('end', () => lost.abort());
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      await client.connect();
      const signal = AbortSignal.any([lost.signal, stop]);
      let leading = false;
      while (!signal.aborted && !leading) {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK_KEY]);
        leading = rows[0]!.ok;
        if (!leading) await sleep(opts.retryMs, signal);
      }
      if (leading) {
        log.info('became relay leader');
        heartbeat = setInterval(() => {
          client.query('SELECT 1').catch(() => {
            lost.abort();
            client.end().catch(() => {});
          });
        }, opts.heartbeatMs);
        try {
          await lead({ client, signal });
        } finally {
          // Whatever ended the lead (a failure in one of its tasks included), the others
          // see the signal and stop before the lock is given up.
          lost.abort();
        }
        log.info({ reason: stop.aborted ? 'stopping' : 'connection lost' }, 'relay leadership ended');
      }
    } catch (err) {
      if (!stop.aborted) log.warn({ err: (err as Error).message }, 'leadership attempt failed');
    } finally {
      clearInterval(heartbeat);
      await client.end().catch(() => {});
    }
    if (!stop.aborted) await sleep(opts.retryMs, stop);
  }
}
