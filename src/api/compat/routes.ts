/**
 * The routes of a resource declaration (resource.ts): list, read, create, update and delete
 * as the original answered them, over the app's one writer — every write is an event of the
 * log, relayed and published like any other. Answers are rendered by translate.ts; errors
 * by errors.ts (the plugin context of compat/index.ts sets it as the error handler).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findByKey } from '../../db/domain/lookup.js';
import { getEntity, listPage, PAGE_MAX_BYTES, type Condition } from '../../db/read.js';
import type { ChangeResult } from '../../db/write.js';
import { eventMetadata, expectedVersion } from '../context.js';
import { idUsed, Problem } from '../problems.js';
import type { RouteDeps } from '../respond.js';
import { filterSchema, MAX_OFFSET, queryInteger } from '../schemas.js';
import { CompatValidationError, compatNotFound } from './errors.js';
import { listsOf, type Filter, type ListRoute, type Resource, type WriteContext } from './resource.js';
import { bodySchema, render, toColumns, wireValueSchema } from './translate.js';

/**
 * A route of the original's, hidden from the OpenAPI document, behind a key that may read
 * (GET) or write (other methods) each of `tables` (auth/grants.ts).
 */
export const secured = (...tables: string[]) => ({ config: { scope: 'user' as const, tables }, schema: { hide: true } });
const UUID = z.guid();

/** Parses `value` with `schema`, or throws the original's 422. */
export function parseOr422<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'path'): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CompatValidationError(where, parsed.error.issues, value);
  return parsed.data;
}

/** Sends rows (JSON text from Postgres) in the original's shape. */
export const sendRows = (reply: FastifyReply, r: Resource, body: string) =>
  reply.send((JSON.parse(body) as Array<Record<string, unknown>>).map((row) => render(r, row)));

export const sendRow = (reply: FastifyReply, r: Resource, body: string, status = 200) =>
  reply.code(status).send(render(r, JSON.parse(body) as Record<string, unknown>));

/** A written row, or the problem the write met (412 stale If-Match, 409 a spent id, 404 gone meanwhile). */
export function written(reply: FastifyReply, r: Resource, result: ChangeResult, status = 200) {
  if (result.ok) return sendRow(reply, r, result.body, status);
  if (result.reason === 'version_mismatch') throw new Problem(412, 'Precondition Failed', `If-Match does not match the current version (${result.currentVersion})`);
  if (result.reason === 'id_used') throw idUsed(r.entity.label);
  throw compatNotFound(r.notFound);
}

/** The row an item path names, by the resource's key (a uuid `id` must be one: 422 otherwise). */
export async function findItem(deps: RouteDeps, r: Resource, key: string, value: string) {
  if (key === 'id') {
    const id = parseOr422(UUID, value, 'path');
    const row = await getEntity(deps.db, r.entity, id);
    return row ? { id, ...row } : null;
  }
  return findByKey(deps.db, r.entity, { [key]: value });
}

const writeContext = (req: FastifyRequest, deps: RouteDeps): WriteContext => ({ db: deps.db, write: deps.write, metadata: eventMetadata(req), caller: req.caller });

/** limit / offset / filters of a list, as the original read them: empty filters are ignored. */
function listQuery(r: Resource, list: ListRoute) {
  const shape: Record<string, z.ZodType> = {
    limit: queryInteger(0, list.limit?.max ?? 10_000).default(list.limit?.default ?? 100),
  };
  if (list.offset !== false) shape.offset = queryInteger(0, MAX_OFFSET).default(0);
  const filters = new Map<string, Filter>();
  for (const [param, f] of Object.entries(list.filters ?? {})) {
    const filter = typeof f === 'string' ? { column: f } : f;
    filters.set(param, filter);
    const spec = r.entity.columns[filter.column]?.spec;
    const schema = filter.schema ?? (spec ? (spec.kind === 'timestamp' ? wireValueSchema(spec) : filterSchema(spec)) : z.string());
    shape[param] = z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
  }
  return { schema: z.object(shape), filters };
}

/** The handler of a list route. */
export function listHandler(deps: RouteDeps, r: Resource, list: ListRoute) {
  const { schema, filters } = listQuery(r, list);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const q = parseOr422(schema, req.query, 'query') as Record<string, unknown>;
    const where: Condition[] = Object.entries(list.where ?? {}).map(([column, value]) => ({ column, op: 'eq', value }));
    for (const [param, f] of filters) {
      if (q[param] === undefined) continue;
      const value = f.store ? f.store(q[param]) : q[param];
      if (value !== undefined) where.push({ column: f.column, op: f.op ?? 'eq', value } as Condition);
    }
    const order = list.order.map(([column, dir]) => ({ column, desc: dir === 'desc' }));
    const offset = (q.offset as number | undefined) ?? 0;
    // Cut by bytes as /api pages are (PAGE_MAX_BYTES, the first row always goes): the
    // original's callers page by offset, so a cut page says where the next one starts.
    const page = await listPage(deps.db, r.entity, { where, order, limit: q.limit as number, offset, maxBytes: PAGE_MAX_BYTES });
    if (page.more && list.offset !== false) {
      const next = new URLSearchParams(req.query as Record<string, string>);
      next.set('offset', String(offset + page.rows));
      reply.header('link', `<${req.url.split('?')[0]}?${next}>; rel="next"`);
    }
    return sendRows(reply, r, page.body);
  };
}

export function registerResource(app: FastifyInstance, deps: RouteDeps, r: Resource): void {
  const { entity } = r;
  const itemPath = (key: string) => `${r.path}/:${key}`;
  const routes = r.routes;
  const SECURED = secured(entity.table);

  for (const list of listsOf(r)) {
    if (list.mounted !== 'elsewhere') app.get(list.path ?? r.path, SECURED, listHandler(deps, r, list));
  }

  const reads = routes.get === false ? [] : Array.isArray(routes.get) ? routes.get : routes.get ? [{ path: itemPath(r.key), key: r.key }] : [];
  for (const read of reads) {
    app.get(read.path, SECURED, async (req, reply) => {
      const found = await findItem(deps, r, read.key, (req.params as Record<string, string>)[read.key]!);
      if (!found) throw compatNotFound(r.notFound);
      return sendRow(reply, r, found.body);
    });
  }

  if (routes.create) {
    const create = routes.create === true ? {} : routes.create;
    const schema = bodySchema(r, 'create');
    app.post(create.path ?? r.path, SECURED, async (req, reply) => {
      const parsed = parseOr422(schema, req.body ?? {}, 'body') as Record<string, unknown>;
      const { data, inputs } = toColumns(r, parsed, true);
      const ctx = writeContext(req, deps);
      await r.prepare?.(data, inputs, ctx);
      const result = await deps.write({ op: 'create', entity, data, metadata: ctx.metadata });
      return written(reply, r, result, create.status ?? 201);
    });
  }

  if (routes.update) {
    const update = routes.update;
    const key = update.key ?? r.key;
    const schema = bodySchema(r, 'update');
    app.patch(update.path ?? itemPath(key), SECURED, async (req, reply) => {
      const found = await findItem(deps, r, key, (req.params as Record<string, string>)[key]!);
      if (!found) throw compatNotFound(r.notFound);
      const parsed = parseOr422(schema, req.body ?? {}, 'body') as Record<string, unknown>;
      const { data } = toColumns(r, parsed, false);
      if (update.fields) for (const column of Object.keys(data)) if (!update.fields.includes(column)) delete data[column];
      if (Object.keys(data).length === 0) {
        if (update.empty === 'reject') throw new Problem(400, 'Bad Request', 'No fields to update');
        return sendRow(reply, r, found.body);
      }
      const result = await deps.write({ op: 'update', entity, id: found.id, data, expectedVersion: expectedVersion(req), metadata: eventMetadata(req) });
      return written(reply, r, result);
    });
  }

  if (routes.delete) {
    const before = routes.delete === true ? undefined : routes.delete.before;
    app.delete(itemPath(r.key), SECURED, async (req, reply) => {
      const found = await findItem(deps, r, r.key, (req.params as Record<string, string>)[r.key]!);
      if (!found) throw compatNotFound(r.notFound);
      const ctx = writeContext(req, deps);
      await before?.(found.id, ctx);
      const result = await deps.write({ op: 'delete', entity, id: found.id, expectedVersion: expectedVersion(req), metadata: ctx.metadata });
      if (!result.ok) return written(reply, r, result);
      return reply.code(204).send();
    });
  }
}
