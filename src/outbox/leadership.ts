/**
 * One active relay per partition at a time: the leader holds a Postgres advisory lock on a
 * dedicated connection. When the leader dies (even SIGKILL) its connection closes and
 * Postgres releases the lock at once; standbys try every `retryMs` and take over. A leader
 * whose connection breaks or stops answering (heartbeat) steps down immediately: a deposed
 * leader that kept publishing would still be harmless (stream ids deduplicate), but
 * stepping down keeps the work in one place. Which partitions a worker tries for is
 * decided by outbox/partitions.ts (`mayLead`); with one partition, every worker tries.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { sleep } from '../lib/time.js';
import { SOLE_PARTITION, type Partition } from '../wire/names.js';

export const RELAY_LOCK_KEY = 0x4c30_3152; // "L01R"

/**
 * The advisory lock of a partition: RELAY_LOCK_KEY itself with one partition (so pg_locks
 * shows classid 0, objid "L01R", as before partitions), else with the partition count and
 * number in the high 32 bits (classid = count << 16 | index).
 */
export function relayLockKey(p: Partition = SOLE_PARTITION): bigint {
  return p.count === 1 ? BigInt(RELAY_LOCK_KEY) : (BigInt(p.count) << 48n) | (BigInt(p.index) << 32n) | BigInt(RELAY_LOCK_KEY);
}

/** The partition a relay lock's classid names (see relayLockKey), for `count` partitions; null: another count's. */
export function partitionOfLock(classid: number, count: number): number | null {
  if (count === 1) return classid === 0 ? 0 : null;
  return classid >>> 16 === count ? classid & 0xffff : null;
}

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

/** A partition leader's name: `l01-relay-leader`, or `l01-relay-leader p2/4` with partitions. */
export const leaderApplication = (p: Partition = SOLE_PARTITION) => (p.count === 1 ? LEADER_APPLICATION : `${LEADER_APPLICATION} p${p.index}/${p.count}`);

/** Sets (or, with null, clears) the note on the leader's connection. */
export async function advertise(client: pg.ClientBase, note: string | null, p: Partition = SOLE_PARTITION): Promise<void> {
  const name = leaderApplication(p);
  await client.query('SELECT set_config($1, $2, false)', ['application_name', note ? `${name}: ${note}` : name]);
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
export async function relayLeader(db: Queryable, partition: Partition = SOLE_PARTITION): Promise<RelayLeader | null> {
  const key = relayLockKey(partition);
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
  if (!name.startsWith(LEADER_APPLICATION)) return null;
  const at = name.indexOf(': ', LEADER_APPLICATION.length);
  return at === -1 ? null : name.slice(at + 2);
}

/**
 * The relay leaders' note (the first of the partitions that has one): null when no leader
 * has anything to say. Leaders' sessions are found by name, one statement whatever the partitions.
 */
export async function leaderNote(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{ application_name: string }>({
    name: 'relay_leader_notes',
    text: `SELECT application_name FROM pg_stat_activity
           WHERE datname = current_database() AND application_name LIKE $1 ORDER BY application_name`,
    values: [`${LEADER_APPLICATION}%: %`],
  });
  for (const r of rows) {
    const note = noteOf(r);
    if (note) return note;
  }
  return null;
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
  /** The partition to lead (default: the only one). */
  partition?: Partition;
  /**
   * Asked before each try for the lock: false waits `retryMs` and asks again (the worker
   * holds its share of the partitions). Absent: always try.
   */
  mayLead?: () => boolean;
  /** Told when a try that `mayLead` allowed did not get the lock (another worker holds it). */
  onMiss?: () => void;
  /** Told when a term begins (with a function that ends it early: giving the partition up) and when it ends (null). */
  onTerm?: (release: (() => void) | null) => void;
}

export async function runAsLeader(opts: LeadershipOptions, lead: (ctx: LeaderContext) => Promise<void>): Promise<void> {
  const { stop } = opts;
  const partition = opts.partition ?? SOLE_PARTITION;
  const lockKey = relayLockKey(partition).toString();
  const log = partition.count === 1 ? opts.log : opts.log.child({ partition: partition.index });
  while (!stop.aborted) {
    // No connection while this worker may not lead the partition (it holds its share): a
    // worker of P partitions keeps connections only for those it leads or stands by for.
    if (opts.mayLead && !opts.mayLead()) {
      await sleep(opts.retryMs, stop);
      continue;
    }
    const client = new pg.Client({
      connectionString: opts.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 1000,
      connectionTimeoutMillis: 3000,
      query_timeout: 5000,
      application_name: leaderApplication(partition),
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
      // Standing by: the lock is tried every retryMs on this connection, for as long as `mayLead` allows.
      for (let allowed = true; !signal.aborted && allowed;) {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [lockKey]);
        leading = rows[0]!.ok;
        if (leading) break;
        opts.onMiss?.();
        await sleep(opts.retryMs, signal);
        allowed = !signal.aborted && (!opts.mayLead || opts.mayLead());
      }
      if (!leading) opts.onMiss?.(); // a try allowed just before the signal: not pending any more
      if (leading) {
        log.info('became relay leader');
        const released = new AbortController();
        opts.onTerm?.(() => released.abort());
        const term = AbortSignal.any([signal, released.signal]);
        heartbeat = setInterval(() => {
          client.query('SELECT 1').catch(() => {
            lost.abort();
            client.end().catch(() => {});
          });
        }, opts.heartbeatMs);
        // Every 'became relay leader' has its 'relay leadership ended', however the term
        // ends: also when the lead fails (its connection killed before its first query, say).
        let failed: Error | undefined;
        try {
          await lead({ client, signal: term });
        } catch (err) {
          failed = err as Error;
          throw err;
        } finally {
          const lostFirst = lost.signal.aborted;
          // Whatever ended the lead (a failure in one of its tasks included), the others
          // see the signal and stop before the lock is given up (the connection closes).
          lost.abort();
          opts.onTerm?.(null);
          const reason = stop.aborted ? 'stopping' : released.signal.aborted ? 'given up to another worker' : lostFirst ? 'connection lost' : 'failed';
          log.info({ reason, ...(failed ? { err: failed.message } : {}) }, 'relay leadership ended');
        }
      }
    } catch (err) {
      opts.onMiss?.();
      if (!stop.aborted) log.warn({ err: (err as Error).message }, 'leadership attempt failed');
    } finally {
      clearInterval(heartbeat);
      await client.end().catch(() => {});
    }
    if (!stop.aborted) await sleep(opts.retryMs, stop);
  }
}

