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
import { sleep } from '../lib/time.js';

export const RELAY_LOCK_KEY = 0x4c30_3152; // "L01R"

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
      application_name: 'l01-relay-leader',
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
