/**
 * Tool executions addressed the way tool runners know them: by their own invocation id.
 * The rows are the `tool_executions` entity (also at /api/tool_executions); writes go
 * through the writer, so a status change emits `tool_execution_started|completed|failed|
 * cancelled` after `tool_execution_updated`, and stamps started_at / completed_at.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findByKey } from '../../db/domain/lookup.js';
import { toolExecutions } from '../../db/entities/operations.js';
import { listEntities } from '../../db/read.js';
import { eventMetadata, expectedVersion } from '../context.js';
import { problemResponses, secured } from '../openapi.js';
import { notFound } from '../problems.js';
import { byKeyHandler, createHandler, ifMatchHeaders, sendJson, sendWritten, type RouteDeps } from '../respond.js';
import { entitySchemas } from '../schemas.js';

const entity = toolExecutions;
const schemas = entitySchemas(entity);
const tags = ['tool executions'];
const base = '/api/tools/executions';
const invocationParams = z.object({ invocation_id: (schemas.create.shape.invocation_id as z.ZodString).min(1) });
const label = 'Tool execution with invocation id';

export async function registerToolExecutionRoutes(app: FastifyInstance, { db, write }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(base, {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'Record a tool execution (tool_execution_created)', description: entity.description, body: schemas.create, response: { 201: schemas.response, ...problemResponses } }),
  }, createHandler(entity, write));

  r.get(base, {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'List tool executions (filters: tool_id, agent_id, session_id, status, invocation_id), oldest first', querystring: schemas.list, response: { 200: z.array(schemas.response), ...problemResponses } }),
  }, async (req, reply) => {
    const { limit, offset, ...filters } = req.query as { limit: number; offset: number } & Record<string, unknown>;
    return sendJson(reply, 200, await listEntities(db, entity, filters, { limit, offset }));
  });

  r.get(`${base}/by-invocation/:invocation_id`, {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'One tool execution by its invocation id', params: invocationParams, response: { 200: schemas.response, ...problemResponses } }),
  }, byKeyHandler(db, entity, label, (k) => k.invocation_id!));

  r.patch(`${base}/by-invocation/:invocation_id`, {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'Update a tool execution by its invocation id (partial); a status change emits tool_execution_<status>', params: invocationParams, headers: ifMatchHeaders, body: schemas.update, response: { 200: schemas.response, ...problemResponses } }),
  }, async (req, reply) => {
    const found = await findByKey(db, entity, req.params);
    if (!found) throw notFound(label, req.params.invocation_id);
    const result = await write({
      op: 'update', entity, id: found.id, data: req.body as Record<string, unknown>,
      expectedVersion: expectedVersion(req), metadata: eventMetadata(req),
    });
    return sendWritten(reply, result, label, req.params.invocation_id);
  });
}
