import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Queryable } from '../../db/pool.js';
import { withTimeout } from '../../lib/time.js';

const CHECK_TIMEOUT_MS = 1500;

async function check(probe: () => Promise<unknown>): Promise<'healthy' | 'unhealthy'> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS, 'dependency');
    return 'healthy';
  } catch {
    return 'unhealthy';
  }
}

/** Liveness (the process answers) and readiness (its dependencies answer, each within 1.5 s). */
export async function registerHealthRoutes(app: FastifyInstance, opts: { db: Queryable; redis: Redis }) {
  app.get('/health/live', { schema: { tags: ['health'], summary: 'Liveness: 200 while the process runs' } }, async () => ({
    status: 'healthy',
    timestamp: new Date().toISOString(),
  }));

  app.get('/health/ready', { schema: { tags: ['health'], summary: 'Readiness: 503 naming the dependency that is down' } }, async (_req, reply) => {
    const [database, redis] = await Promise.all([check(() => opts.db.query('SELECT 1')), check(() => opts.redis.ping())]);
    const healthy = database === 'healthy' && redis === 'healthy';
    return reply.code(healthy ? 200 : 503).send({
      status: healthy ? 'healthy' : 'unhealthy',
      checks: { database, redis },
      timestamp: new Date().toISOString(),
    });
  });
}
