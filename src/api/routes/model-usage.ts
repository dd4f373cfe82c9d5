/**
 * Model usage: one `model_usage` row per request to a model (tokens in and out, latency,
 * cost), recorded through the writer (`model_usage_created`) and looked up by the
 * caller's request id. Also a normal entity at /api/model_usage.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listModelUsage } from '../../db/domain/model-usage.js';
import { modelUsage } from '../../db/entities/knowledge.js';
import { problemResponses, secured } from '../openapi.js';
import { byKeyHandler, createHandler, sendJson, type RouteDeps } from '../respond.js';
import { entitySchemas, pagination } from '../schemas.js';
import { checkOrder, instant } from '../time-range.js';

const entity = modelUsage;
const schemas = entitySchemas(entity);
const tags = ['model usage'];
const base = '/api/models/usage';
const label = 'Model usage for request';

const usageQuery = z.strictObject({
  ...pagination,
  model_id: z.guid().optional(),
  agent_id: z.guid().optional(),
  from: instant().optional().describe('created_at at or after (inclusive).'),
  to: instant().optional().describe('created_at before (exclusive).'),
});
const requestParams = z.object({ request_id: (schemas.create.shape.request_id as z.ZodString).min(1) });

export async function registerModelUsageRoutes(app: FastifyInstance, { db, write }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(base, {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'Record the usage of one model request (model_usage_created); 409 if the request id is taken', description: entity.description, body: schemas.create, response: { 201: schemas.response, ...problemResponses } }),
  }, createHandler(entity, write, (_id, body) => `${base}/${encodeURIComponent(String(body.request_id))}`));

  r.get(base, {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'Usage rows, oldest first, by model and/or agent over [from, to)', querystring: usageQuery, response: { 200: z.array(schemas.response), ...problemResponses } }),
  }, async (req, reply) => {
    const { limit, offset, ...filter } = req.query;
    checkOrder(filter.from, filter.to);
    return sendJson(reply, 200, await listModelUsage(db, filter, { limit, offset }));
  });

  r.get(`${base}/:request_id`, {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'The usage of one request, by its request id', params: requestParams, response: { 200: schemas.response, ...problemResponses } }),
  }, byKeyHandler(db, entity, label, (k) => k.request_id!));
}
