/**
 * The original's statistics routes that are not about datasets (ORIGINAL-L01-API.md 2.9
 * row 39, 2.13 row 56, 2.16 row 75), in its shapes. The queries are in db/domain/.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { metricSummary } from '../../db/domain/metric-aggregates.js';
import { evaluationSummary, trainingExampleSummary } from '../../db/domain/statistics.js';
import { metrics } from '../../db/entities/quality.js';
import type { RouteDeps } from '../respond.js';
import { compatNotFound } from './errors.js';
import { parseOr422, secured } from './routes.js';
import { wireValueSchema } from './translate.js';


const agentParams = z.object({ agent_id: z.guid() });

/** Empty counts as absent, as the original's truthiness tests (`if start_time:`) did. */
const optional = (schema: z.ZodType) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
/**
 * The time bounds are read like the metrics' own timestamps: naive is UTC (what the callers
 * send), an offset is taken as it is (the original failed on one: 500), anything else is a
 * 422 (the original: a ValueError, 500).
 */
const time = wireValueSchema(metrics.columns.recorded_at!.spec);
const aggregateQuery = z.object({ start_time: optional(time), end_time: optional(time), agent_id: optional(z.guid()) });

export function registerStatisticsRoutes(app: FastifyInstance, { db }: RouteDeps): void {
  // A static segment: it wins over the resource's `/training-examples/:id` whatever the order.
  app.get('/training-examples/statistics', secured('training_examples'), async () => {
    const s = await trainingExampleSummary(db);
    return {
      total_examples: s.total,
      // `float(avg or 0)`: 0.0 when there is nothing to average.
      avg_quality_score: s.avg_quality_pct ?? 0,
      avg_confidence: s.avg_confidence ?? 0,
      avg_difficulty: s.avg_difficulty ?? 0,
      unique_domains: s.unique_domains,
      unique_agents: s.unique_agents,
      domain_distribution: Object.fromEntries(s.top_domains),
    };
  });

  // An agent without evaluations (or unknown) is 0 and nulls, not a 404, as on the original.
  app.get('/evaluations/agent/:agent_id/stats', secured('evaluations'), async (req) => {
    const { agent_id } = parseOr422(agentParams, req.params, 'path');
    return evaluationSummary(db, agent_id);
  });

  app.get('/metrics/aggregates/:metric_name', secured(metrics.table), async (req) => {
    const { metric_name } = req.params as { metric_name: string };
    const q = parseOr422(aggregateQuery, req.query, 'query') as { start_time?: string; end_time?: string; agent_id?: string };
    const summary = await metricSummary(db, { name: metric_name, from: q.start_time, to: q.end_time, agentId: q.agent_id });
    if (!summary) throw compatNotFound('No metrics found');
    return summary;
  });
}
