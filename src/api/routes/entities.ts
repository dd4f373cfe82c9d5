/**
 * The REST routes of every entity, generated from its definition: list, get, create,
 * update (PUT and PATCH, both partial), delete, history, and one nested list per foreign
 * key pointing at it (`/api/agents/{id}/goals`). All writes go through the writer.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { entities } from '../../db/entities/index.js';
import type { Entity } from '../../db/entity.js';
import { entityHistory, hasHistory } from '../../db/events.js';
import type { Queryable } from '../../db/pool.js';
import { entityExists, getEntity, listEntities } from '../../db/read.js';
import { eventMetadata, expectedVersion } from '../context.js';
import { notFound } from '../problems.js';
import { createHandler, ifMatchHeaders as ifMatch, sendJson as json, sendWritten, type RouteDeps, type Writer } from '../respond.js';
import { entitySchemas, idParams, pagination, type EntitySchemas } from '../schemas.js';
import { problemResponses, secured } from '../openapi.js';
import { eventSchema } from './events.js';

const historyQuery = z.strictObject(pagination);

function entityRoutes(app: FastifyInstance, db: Queryable, write: Writer, entity: Entity, schemas: EntitySchemas) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = `/api/${entity.table}`;
  const tags = [entity.table];
  const one = { 200: schemas.response, ...problemResponses };

  r.get(base, {
    config: { scope: 'user' },
    schema: secured({ tags, summary: `List ${entity.table}`, querystring: schemas.list, response: { 200: z.array(schemas.response), ...problemResponses } }),
  }, async (req, reply) => {
    const { limit, offset, ...filters } = req.query as { limit: number; offset: number } & Record<string, unknown>;
    return json(reply, 200, await listEntities(db, entity, filters, { limit, offset }));
  });

  r.get(`${base}/:id`, {
    config: { scope: 'user' },
    schema: secured({ tags, summary: `Get one ${entity.singular}`, params: idParams, response: one }),
  }, async (req, reply) => {
    const found = await getEntity(db, entity, req.params.id);
    if (!found) throw notFound(entity.label, req.params.id);
    return json(reply, 200, found.body, found.version);
  });

  r.post(base, {
    config: { scope: 'user' },
    schema: secured({ tags, summary: `Create a ${entity.singular}`, description: entity.description, body: schemas.create, response: { 201: schemas.response, ...problemResponses } }),
  }, createHandler(entity, write));

  for (const method of ['put', 'patch'] as const) {
    r[method](`${base}/:id`, {
      config: { scope: 'user' },
      schema: secured({ tags, summary: `Update a ${entity.singular} (partial: only the fields sent change)`, params: idParams, headers: ifMatch, body: schemas.update, response: one }),
    }, async (req, reply) => {
      const result = await write({
        op: 'update', entity, id: req.params.id, data: req.body as Record<string, unknown>,
        expectedVersion: expectedVersion(req), metadata: eventMetadata(req),
      });
      return sendWritten(reply, result, entity.label, req.params.id);
    });
  }

  r.delete(`${base}/:id`, {
    config: { scope: 'user' },
    schema: secured({ tags, summary: `Delete a ${entity.singular}`, params: idParams, headers: ifMatch, response: { 200: z.object({ message: z.string() }), ...problemResponses } }),
  }, async (req, reply) => {
    const result = await write({ op: 'delete', entity, id: req.params.id, expectedVersion: expectedVersion(req), metadata: eventMetadata(req) });
    if (!result.ok) return sendWritten(reply, result, entity.label, req.params.id);
    return reply.send({ message: `${entity.label} deleted successfully` });
  });

  r.get(`${base}/:id/history`, {
    config: { scope: 'user' },
    schema: secured({ tags, summary: `Every event of one ${entity.singular}, oldest first`, params: idParams, querystring: historyQuery, response: { 200: z.array(eventSchema), ...problemResponses } }),
  }, async (req, reply) => {
    const { limit, offset } = req.query as { limit: number; offset: number };
    const body = await entityHistory(db, entity.singular, req.params.id, limit, offset);
    // A deleted entity keeps its history; an id that never existed has none: 404, like GET.
    if (body === '[]' && !(await hasHistory(db, entity.singular, req.params.id))) throw notFound(entity.label, req.params.id);
    return json(reply, 200, body);
  });
}

/** `/api/<parent>/{id}/<child>`: the children pointing at one parent through a foreign key. */
function nestedRoute(app: FastifyInstance, db: Queryable, parent: Entity, child: Entity, column: string, schemas: EntitySchemas) {
  const { [column]: _ignored, ...listShape } = schemas.list.shape;
  app.withTypeProvider<ZodTypeProvider>().get(`/api/${parent.table}/:id/${child.table}`, {
    config: { scope: 'user' },
    schema: secured({
      tags: [parent.table],
      summary: `List ${child.table} whose ${column} is this ${parent.singular}`,
      params: idParams,
      querystring: z.strictObject(listShape),
      response: { 200: z.array(schemas.response), ...problemResponses },
    }),
  }, async (req, reply) => {
    const { limit, offset, ...filters } = req.query as { limit: number; offset: number } & Record<string, unknown>;
    const body = await listEntities(db, child, { ...filters, [column]: req.params.id }, { limit, offset });
    if (body === '[]' && !(await entityExists(db, parent, req.params.id))) throw notFound(parent.label, req.params.id);
    return json(reply, 200, body);
  });
}

export async function registerEntityRoutes(app: FastifyInstance, { db, write }: RouteDeps) {
  const schemas = new Map(entities.map((e) => [e.table, entitySchemas(e)]));
  for (const entity of entities) entityRoutes(app, db, write, entity, schemas.get(entity.table)!);
  for (const child of entities) {
    for (const [column, parentTable] of Object.entries(child.references)) {
      const parent = entities.find((e) => e.table === parentTable)!;
      nestedRoute(app, db, parent, child, column, schemas.get(child.table)!);
    }
  }
}
