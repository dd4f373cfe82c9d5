import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../db/pool.js';
import { withTimeout } from '../../lib/time.js';
import { leaderNote } from '../../outbox/leadership.js';
import type { RedisClient } from '../../redis.js';
import { readRedisCondition, redisProblem } from '../../workers/redis-watch.js';

const CHECK_TIMEOUT_MS = 1500;

/** A probe's answer within the timeout, or the reason it gave none. */
async function probe<T>(p: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await withTimeout(p(), CHECK_TIMEOUT_MS, 'dependency') };
  } catch {
    return { ok: false };
  }
}

/**
 * Liveness (the process answers) and readiness: its dependencies answer, each within
 * 1.5 s, and Redis can be trusted with events. Redis is unhealthy while it is down, while
 * it refuses writes (over maxmemory) or may evict keys (a maxmemory-policy other than
 * noeviction), both read from INFO each time (workers/redis-watch.ts); and while its
 * streams are behind the event log (Redis lost data), which the relay leader says on its
 * own database session until it has healed them (outbox/leadership.ts). The reason is in
 * `problems`. A read replica, when configured, is checked and its replay lag reported, but
 * it does not make the API unready (writes do not need it).
 */
/**
 * The read replica's condition: it answers, and how far its replay lags the primary's last
 * commit it has seen (null when it has replayed nothing yet). A replica that is really a
 * primary is refused: GETs would read a database the writes never reach.
 */
async function replicaLag(replica: Queryable): Promise<number | null> {
  const { rows } = await replica.query<{ standby: boolean; lag_ms: string | null }>(
    // Caught up (all it received is replayed): 0, however long the primary has been idle.
    `SELECT pg_is_in_recovery() AS standby,
            CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN '0'
                 ELSE round(extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::text END AS lag_ms`,
  );
  if (!rows[0]!.standby) throw new Error('DATABASE_READ_URL is not a standby');
  return rows[0]!.lag_ms === null ? null : Number(rows[0]!.lag_ms);
}

export async function registerHealthRoutes(app: FastifyInstance, opts: { db: Queryable; replica?: Queryable; redis: RedisClient }) {
  app.get('/health/live', { schema: { tags: ['health'], summary: 'Liveness: 200 while the process runs' } }, async () => ({
    status: 'healthy',
    timestamp: new Date().toISOString(),
  }));

  app.get('/health/ready', { schema: { tags: ['health'], summary: 'Readiness: 503 naming the dependency that is down or cannot be trusted with events' } }, async (_req, reply) => {
    const [database, redis, replica] = await Promise.all([
      probe(() => leaderNote(opts.db)),
      probe(async () => redisProblem(await readRedisCondition(opts.redis))),
      opts.replica ? probe(() => replicaLag(opts.replica!)) : undefined,
    ]);
    const streamsNote = database.ok ? database.value : null;
    const redisProblemText = !redis.ok ? null : redis.value ?? (streamsNote ? `${streamsNote} (the relay leader says)` : null);
    const redisOk = redis.ok && redisProblemText === null;
    // The replica is reported, never fatal: without it GETs fail, but writes still work, and an
    // unready API would be taken out of the load balancer for both.
    const healthy = database.ok && redisOk;
    return reply.code(healthy ? 200 : 503).send({
      status: healthy ? 'healthy' : 'unhealthy',
      checks: {
        database: database.ok ? 'healthy' : 'unhealthy', redis: redisOk ? 'healthy' : 'unhealthy',
        ...(replica ? { replica: replica.ok ? 'healthy' : 'unhealthy' } : {}),
      },
      ...(replica?.ok ? { replica_lag_ms: replica.value } : {}),
      ...(redisProblemText || replica?.ok === false
        ? { problems: { ...(redisProblemText ? { redis: redisProblemText } : {}), ...(replica?.ok === false ? { replica: 'DATABASE_READ_URL does not answer as a standby: GETs fail meanwhile' } : {}) } }
        : {}),
      timestamp: new Date().toISOString(),
    });
  });
}
