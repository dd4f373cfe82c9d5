/**
 * The API's Prometheus endpoint, `GET /metrics`: HTTP request durations by route pattern
 * and status, Node process metrics, and the pipeline gauges read at scrape time
 * (pipeline.ts).
 *
 * Protected by a bearer token, on the API port: the route needs the `metrics` scope (auth/),
 * which the admin token has and `L01_METRICS_TOKEN` has alone: give Prometheus that one,
 * not the admin token that can discard dead letters. A user key gets 403.
 *
 * Each app gets its own registry (tests build several apps in one process).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Queryable } from '../../db/pool.js';
import type { RedisClient } from '../../redis.js';
import { pipelineGauges } from './pipeline.js';

export interface ApiMetricsOptions {
  db: Queryable;
  redis: RedisClient;
  /** Stream keys whose length and consumer-group lag are reported. */
  streams: readonly string[];
  /** L01_RELAY_PARTITIONS (default 1). */
  partitions?: number;
  /** Per source (Postgres, Redis) per scrape, ms. Default 1000. */
  scrapeTimeoutMs?: number;
  /**
   * The original service's `GET /metrics/?metric_name=…` (its stored metrics, for L06 and the
   * shared client): a request naming a metric is that query, with a normal key; any other is
   * the Prometheus scrape.
   */
  metricQuery?: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

const namesMetric = (req: FastifyRequest) => typeof (req.query as Record<string, unknown> | undefined)?.metric_name === 'string';

declare module 'fastify' {
  interface FastifyInstance {
    /** The registry behind /metrics (tests and custom metrics register here). */
    metrics: Registry;
  }
}

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

  const pipeline = pipelineGauges(registry, { db: o.db, redis: o.redis, streams: o.streams, partitions: o.partitions, timeoutMs: o.scrapeTimeoutMs ?? 1000 });
  const query = o.metricQuery;
  const scope = query ? (req: FastifyRequest) => (namesMetric(req) ? 'user' as const : 'metrics' as const) : 'metrics' as const;
  // `tables` counts for the original's metric query only (scope `user`): it reads the metrics table.
  app.get('/metrics', { schema: { hide: true }, config: { scope, tables: ['metrics'] } }, async (req, reply) => {
    if (query && namesMetric(req)) return query(req, reply);
    await pipeline.refresh();
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

export default fp(apiMetrics, { name: 'metrics' });
