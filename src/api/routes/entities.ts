/**
 * The REST routes of every entity, generated from its definition: list, get, create,
 * update (PUT and PATCH, both partial), delete, history, and one nested list per foreign
 * key pointing at it (`/api/agents/{id}/goals`). All writes go through the writer.
 *
 * Lists, nested lists and histories are pages cut by count and by bytes; when more rows
 * follow, the answer says where to continue (`X-Next-Cursor`, `Link: …; rel="next"`): a list
 * with `?cursor=`, a history with `?after=<position>`. The body stays a bare JSON array.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { entities } from '../../db/entities/index.js';
import type { Entity } from '../../db/entity.js';
import { encodeCursor, type ListCursor } from '../../db/cursor.js';
import { entityHistory, hasHistory } from '../../db/events.js';
import type { Queryable } from '../../db/pool.js';
import { entityExists, getEntity, listEntityPage } from '../../db/read.js';
import { eventMetadata, expectedVersion } from '../context.js';
import { notFound } from '../problems.js';
import { createHandler, idempotencyHeaders, ifMatchHeaders as ifMatch, sendJson as json, sendPage, sendWritten, type RouteDeps, type Writer } from '../respond.js';
import { idParams, paging, queryInteger, schemasOf, type EntitySchemas } from '../schemas.js';
import { problemResponses, secured, writeProblemResponses } from '../openapi.js';
import { eventSchema } from './events.js';

const historyQuery = z.strictObject({
  ...paging('after'),
  after: queryInteger(0, Number.MAX_SAFE_INTEGER).optional()
    .describe('Position of the last event you have of this entity: the page starts after it (its X-Next-Cursor).'),
});

type ListQuery = { limit: number; offset: number; cursor?: ListCursor } & Record<string, unknown>;

function entityRoutes(app: FastifyInstance, db: Queryable, write: Writer, entity: Entity, schemas: EntitySchemas) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = `/api/${entity.table}`;
  const tags = [entity.table];
  const one = { 200: schemas.response, ...problemResponses };
  // Reads need <table>:read, writes <table>:write (auth/grants.ts).
  const config = { scope: 'user' as const, tables: [entity.table] };

  r.get(base, {
    config,
    schema: secured({ tags, summary: `List ${entity.table}`, querystring: schemas.list, response: { 200: z.array(schemas.response), ...problemResponses } }),
  }, async (req, reply) => {
    const { limit, offset, cursor, ...filters } = req.query as ListQuery;
    return sendPage(req, reply, await listEntityPage(db, entity, filters, { limit, offset, after: cursor }), 'cursor', encodeCursor);
  });

  r.get(`${base}/:id`, {
    config,
    schema: secured({ tags, summary: `Get one ${entity.singular}`, params: idParams, response: one }),
  }, async (req, reply) => {
    const found = await getEntity(db, entity, req.params.id);
    if (!found) throw notFound(entity.label, req.params.id);
    return json(reply, 200, found.body, found.version);
  });

  r.post(base, {
    config,
    schema: secured({ tags, summary: `Create a ${entity.singular}`, description: entity.description, headers: idempotencyHeaders, body: schemas.create, response: { 201: schemas.response, ...writeProblemResponses } }),
  }, createHandler(entity, write));

  for (const method of ['put', 'patch'] as const) {
    r[method](`${base}/:id`, {
      config,
      schema: secured({ tags, summary: `Update a ${entity.singular} (partial: only the fields sent change)`, params: idParams, headers: ifMatch, body: schemas.update, response: { 200: schemas.response, ...writeProblemResponses } }),
    }, async (req, reply) => {
      const result = await write({
        op: 'update', entity, id: req.params.id, data: req.body as Record<string, unknown>,
        expectedVersion: expectedVersion(req), metadata: eventMetadata(req),
      });
      return sendWritten(reply, result, entity.label, req.params.id);
    });
  }

  r.delete(`${base}/:id`, {
    config,
    schema: secured({ tags, summary: `Delete a ${entity.singular}`, params: idParams, headers: ifMatch, response: { 200: z.object({ message: z.string() }), ...writeProblemResponses } }),
  }, async (req, reply) => {
    const result = await write({ op: 'delete', entity, id: req.params.id, expectedVersion: expectedVersion(req), metadata: eventMetadata(req) });
    if (!result.ok) return sendWritten(reply, result, entity.label, req.params.id);
    return reply.send({ message: `${entity.label} deleted successfully` });
  });

  r.get(`${base}/:id/history`, {
    config,
    schema: secured({ tags, summary: `Every event of one ${entity.singular}, oldest first`, params: idParams, querystring: historyQuery, response: { 200: z.array(eventSchema), ...problemResponses } }),
  }, async (req, reply) => {
    const page = await entityHistory(db, entity.singular, req.params.id, req.query as z.output<typeof historyQuery>);
    // A deleted entity keeps its history; an id that never existed has none: 404, like GET.
    if (page.rows === 0 && !(await hasHistory(db, entity.singular, req.params.id))) throw notFound(entity.label, req.params.id);
    return sendPage(req, reply, page, 'after');
  });
}

/** `/api/<parent>/{id}/<child>`: the children pointing at one parent through a foreign key. */
function nestedRoute(app: FastifyInstance, db: Queryable, parent: Entity, child: Entity, column: string, schemas: EntitySchemas) {
  const { [column]: _ignored, ...listShape } = schemas.list.shape;
  app.withTypeProvider<ZodTypeProvider>().get(`/api/${parent.table}/:id/${child.table}`, {
    config: { scope: 'user', tables: [child.table, parent.table] },
    schema: secured({
      tags: [parent.table],
      summary: `List ${child.table} whose ${column} is this ${parent.singular}`,
      params: idParams,
      querystring: z.strictObject(listShape),
      response: { 200: z.array(schemas.response), ...problemResponses },
    }),
  }, async (req, reply) => {
    const { limit, offset, cursor, ...filters } = req.query as ListQuery;
    const page = await listEntityPage(db, child, { ...filters, [column]: req.params.id }, { limit, offset, after: cursor });
    if (page.rows === 0 && !(await entityExists(db, parent, req.params.id))) throw notFound(parent.label, req.params.id);
    return sendPage(req, reply, page, 'cursor', encodeCursor);
  });
}

export async function registerEntityRoutes(app: FastifyInstance, { db, write }: RouteDeps) {
  for (const entity of entities) entityRoutes(app, db, write, entity, schemasOf(entity));
  for (const child of entities) {
    for (const [column, parentTable] of Object.entries(child.references)) {
      const parent = entities.find((e) => e.table === parentTable)!;
      nestedRoute(app, db, parent, child, column, schemasOf(child));
    }
  }
}
