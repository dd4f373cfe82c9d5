/**
 * Read-only statistics computed in SQL (see src/db/domain/statistics.ts and
 * metric-aggregates.ts for the queries and the indexes behind them).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { metricAggregates } from '../../db/domain/metric-aggregates.js';
import { datasetStatistics, evaluationStats, trainingExampleStatistics } from '../../db/domain/statistics.js';
import { agents } from '../../db/entities/planning.js';
import { metrics } from '../../db/entities/quality.js';
import { entityExists } from '../../db/read.js';
import { problemResponses, secured } from '../openapi.js';
import { notFound } from '../problems.js';
import type { RouteDeps } from '../respond.js';
import { entitySchemas } from '../schemas.js';
import { aggregateRange, bucketSchema, instant } from '../time-range.js';

const count = z.number().int();
const valueCounts = <K extends string>(key: K) => z.array(z.object({ [key]: z.string().nullable(), count }));

const datasetStatisticsSchema = z.object({
  datasets: count,
  by_status: z.record(z.string(), count),
  by_domain: valueCounts('domain'),
  examples: count.describe('Links of training examples to datasets.'),
  by_split: z.object({ train: count, validation: count, test: count }),
});

const trainingExampleStatisticsSchema = z.object({
  total: count,
  scored: count.describe('Examples with a quality_score.'),
  avg_quality: z.number().nullable(),
  by_source: valueCounts('source'),
  by_domain: valueCounts('domain'),
  by_quality: z.array(z.object({ bucket: z.string(), from: z.number().nullable(), to: z.number().nullable(), count })).describe('quality_score in [0, 0.2), [0.2, 0.4), … [0.8, 1.0], and unscored.'),
});

const evaluationStatsSchema = z.object({
  agent_id: z.guid(),
  metrics: z.array(z.object({
    metric: z.string(),
    count,
    scored: count.describe('Evaluations with a score; mean/min/max are over these.'),
    mean: z.number().nullable(),
    min: z.number().nullable(),
    max: z.number().nullable(),
  })),
});

const aggregatesSchema = z.object({
  metric_name: z.string(),
  from: z.string(),
  to: z.string(),
  bucket: z.string(),
  buckets: z.array(z.object({ start: z.string(), count, avg: z.number(), min: z.number(), max: z.number(), p50: z.number(), p95: z.number() })),
});

const noQuery = z.strictObject({});
const metricNameParams = z.object({ metric_name: (entitySchemas(metrics).create.shape.name as z.ZodString).min(1) });
const aggregatesQuery = z.strictObject({
  from: instant().optional().describe('Inclusive; default: 24 hours before `to`.'),
  to: instant().optional().describe('Exclusive; default: now.'),
  bucket: bucketSchema.default('1h'),
});

export async function registerStatisticsRoutes(app: FastifyInstance, { db }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/datasets/statistics', {
    config: { scope: 'user', tables: ['datasets', 'dataset_examples'] },
    schema: secured({ tags: ['datasets'], summary: 'Datasets by status and domain; linked examples by split', querystring: noQuery, response: { 200: datasetStatisticsSchema, ...problemResponses } }),
  }, async () => datasetStatistics(db));

  r.get('/api/training_examples/statistics', {
    config: { scope: 'user', tables: ['training_examples'] },
    schema: secured({ tags: ['training_examples'], summary: 'Training examples by source, domain and quality bucket', querystring: noQuery, response: { 200: trainingExampleStatisticsSchema, ...problemResponses } }),
  }, async () => trainingExampleStatistics(db));

  r.get('/api/evaluations/agent/:agent_id/stats', {
    config: { scope: 'user', tables: ['evaluations'] },
    schema: secured({ tags: ['evaluations'], summary: "An agent's evaluations per metric: count, mean, min and max score", params: z.object({ agent_id: z.guid() }), querystring: noQuery, response: { 200: evaluationStatsSchema, ...problemResponses } }),
  }, async (req) => {
    const stats = await evaluationStats(db, req.params.agent_id);
    if (stats.length === 0 && !(await entityExists(db, agents, req.params.agent_id))) throw notFound(agents.label, req.params.agent_id);
    return { agent_id: req.params.agent_id, metrics: stats };
  });

  r.get('/api/metrics/aggregates/:metric_name', {
    config: { scope: 'user', tables: [metrics.table] },
    schema: secured({
      tags: ['metrics'],
      summary: 'Per time bucket: count, avg, min, max, p50, p95 of one metric',
      description: `Time is recorded_at, or created_at when the metric has none. Buckets are aligned on midnight UTC (date_bin); empty buckets are left out; at most 10,000 buckets.`,
      params: metricNameParams, querystring: aggregatesQuery, response: { 200: aggregatesSchema, ...problemResponses },
    }),
  }, async (req) => {
    const { from, to, bucket } = req.query;
    const range = aggregateRange(from, to, bucket);
    const buckets = await metricAggregates(db, { name: req.params.metric_name, ...range });
    return { metric_name: req.params.metric_name, from: range.from, to: range.to, bucket, buckets };
  });
}
