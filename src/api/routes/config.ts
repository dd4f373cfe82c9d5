/**
 * The config store: versioned JSON values addressed by `/{namespace}/{key}`, stored as
 * `config_entries` rows (unique on namespace + key) and written through the writer, so
 * every write is an event: `config_created` on the first PUT of a key, `config_updated` after,
 * `config_deleted`. Versions and If-Match work as for every entity; `If-None-Match: *` makes
 * a PUT create-only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listNamespace } from '../../db/domain/config-store.js';
import { findByKey } from '../../db/domain/lookup.js';
import { configEntries } from '../../db/entities/operations.js';
import { eventMetadata, expectedVersion } from '../context.js';
import { problemResponses, secured } from '../openapi.js';
import { notFound } from '../problems.js';
import { byKeyHandler, deletedSchema, sendJson, sendWritten, type RouteDeps } from '../respond.js';
import { entitySchemas, pagination } from '../schemas.js';
import { putConfig, type ConfigKey } from '../upsert.js';

const entity = configEntries;
const schemas = entitySchemas(entity);
const tags = ['config'];

const namespaceParam = (schemas.create.shape.namespace as z.ZodString).min(1);
const nsParams = z.object({ namespace: namespaceParam });
const keyParams = z.object({ namespace: namespaceParam, key: (schemas.create.shape.key as z.ZodString).min(1) });
const putBody = z.strictObject({ value: schemas.create.shape.value!, description: schemas.update.shape.description! });
const conditionalHeaders = z.object({
  'if-match': z.string().optional().describe('"<version>": write only if the entry is at that version (else 412; also 412 when it does not exist).'),
  'if-none-match': z.literal('*').optional().describe('`*`: create only; 412 when the entry exists.'),
});

type Key = ConfigKey;
const label = 'Config';
const name = (k: Key) => `${k.namespace}/${k.key}`;

export async function registerConfigRoutes(app: FastifyInstance, deps: RouteDeps) {
  const { db, write } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** The PUT of a key with the request's preconditions (the shared upsert: api/upsert.ts). */
  const put = (req: FastifyRequest, k: Key, body: z.infer<typeof putBody>) =>
    putConfig(deps, k, body, eventMetadata(req), {
      mustExist: req.headers['if-match'] !== undefined,
      expectedVersion: expectedVersion(req),
      mustBeAbsent: req.headers['if-none-match'] === '*',
    });

  r.get('/api/config/:namespace', {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'Every entry of a namespace, in key order ([] for an unknown namespace)', params: nsParams, querystring: z.strictObject(pagination), response: { 200: z.array(schemas.response), ...problemResponses } }),
  }, async (req, reply) => sendJson(reply, 200, await listNamespace(db, req.params.namespace, req.query)));

  r.get('/api/config/:namespace/:key', {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'One entry, with its version as ETag', params: keyParams, response: { 200: schemas.response, ...problemResponses } }),
  }, byKeyHandler(db, entity, label, (k) => name(k as Key)));

  r.put('/api/config/:namespace/:key', {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({
      tags,
      summary: 'Set an entry: 201 + config_created when new, 200 + config_updated when it exists',
      description: 'The body is `{"value": <any JSON but null>, "description"?: string}`.',
      params: keyParams, headers: conditionalHeaders, body: putBody,
      response: { 200: schemas.response, 201: schemas.response, ...problemResponses },
    }),
  }, async (req, reply) => {
    const { result, created } = await put(req, req.params, req.body);
    if (result.ok && created) reply.header('location', `/api/config/${encodeURIComponent(req.params.namespace)}/${encodeURIComponent(req.params.key)}`);
    return sendWritten(reply, result, label, name(req.params), created ? 201 : 200);
  });

  r.delete('/api/config/:namespace/:key', {
    config: { scope: 'user', tables: [entity.table] },
    schema: secured({ tags, summary: 'Delete an entry (config_deleted)', params: keyParams, headers: conditionalHeaders.pick({ 'if-match': true }), response: { 200: deletedSchema, ...problemResponses } }),
  }, async (req, reply) => {
    const found = await findByKey(db, entity, req.params);
    if (!found) throw notFound(label, name(req.params));
    const result = await write({ op: 'delete', entity, id: found.id, expectedVersion: expectedVersion(req), metadata: eventMetadata(req) });
    if (!result.ok) return sendWritten(reply, result, label, name(req.params));
    return reply.send({ message: `${label} deleted successfully` });
  });
}
