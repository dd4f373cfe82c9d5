/**
 * The API's Prometheus endpoint, `GET /metrics`: HTTP request durations by route pattern
 * and status, Node process metrics, and the pipeline gauges read at scrape time
 * (pipeline.ts).
 *
 * Protected by a bearer token, on the API port: the admin token, or `L01_METRICS_TOKEN`,
 * a token that opens /metrics and nothing else (give Prometheus that one, not the admin
 * token that can discard dead letters). The route has no `scope`, so the app's auth hook
 * lets it through and the check below decides; a user-scope token gets 403.
 *
 * Each app gets its own registry (tests build several apps in one process).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Queryable } from '../db/pool.js';
import { tokenMatcher, type Scope } from '../api/plugins/auth.js';
import { Problem } from '../api/problems.js';
import { pipelineGauges } from './pipeline.js';

export interface ApiMetricsOptions {
  db: Queryable;
  redis: Redis;
  /** Stream keys whose length and consumer-group lag are reported. */
  streams: readonly string[];
  tokens: ReadonlyArray<{ token: string; scope: Scope }>;
  /** A token that opens /metrics only. */
  metricsToken?: string;
  /** Per source (Postgres, Redis) per scrape, ms. Default 1000. */
  scrapeTimeoutMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The registry behind /metrics (tests and custom metrics register here). */
    metrics: Registry;
  }
}

const unauthorized = (detail: string) =>
  new Problem(401, 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="l01-metrics"' });

async function apiMetrics(app: FastifyInstance, o: ApiMetricsOptions) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  app.decorate('metrics', registry);

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern (not the raw URL; "unmatched" for 404s without a route) and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    duration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  const pipeline = pipelineGauges(registry, { db: o.db, redis: o.redis, streams: o.streams, timeoutMs: o.scrapeTimeoutMs ?? 1000 });
  const match = tokenMatcher([...o.tokens, ...(o.metricsToken ? [{ token: o.metricsToken, scope: 'admin' as const }] : [])]);
  const guard = async (req: FastifyRequest) => {
    const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
    if (!m) throw unauthorized('send Authorization: Bearer <admin token or L01_METRICS_TOKEN>');
    const caller = match(m[1]!);
    if (!caller) throw unauthorized('invalid token');
    if (caller.scope !== 'admin') throw new Problem(403, 'Forbidden', '/metrics needs the admin token or L01_METRICS_TOKEN');
  };

  app.get('/metrics', { schema: { hide: true }, onRequest: guard }, async (_req, reply) => {
    await pipeline.refresh();
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

export default fp(apiMetrics, { name: 'metrics' });
