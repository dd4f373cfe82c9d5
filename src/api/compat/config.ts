/**
 * The original's config store (ORIGINAL-L01-API.md 2.5): `GET/PUT /config/{namespace}/{key}`
 * and `GET /config/{namespace}`, over the `config_entries` rows that /api/config serves too.
 * The original's PUT always failed (R1); what it was meant to do, this does: the body IS the
 * value (any JSON object), upserted through the shared config PUT (api/upsert.ts), so the
 * first write of a key is `config_created`, later ones `config_updated`, as on /api.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listNamespace } from '../../db/domain/config-store.js';
import { findByKey } from '../../db/domain/lookup.js';
import { configEntries } from '../../db/entities/operations.js';
import { eventMetadata } from '../context.js';
import type { RouteDeps } from '../respond.js';
import { valueSchema } from '../schemas.js';
import { putConfig } from '../upsert.js';
import { compatNotFound } from './errors.js';
import { parseOr422, secured } from './routes.js';
import { naiveUtc } from './translate.js';

const SECURED = secured(configEntries.table);
const NOT_FOUND = 'Config not found';

/** A PUT's path, within the columns' lengths (longer would fail the insert). */
const keyParams = z.object({
  namespace: valueSchema(configEntries.columns.namespace!.spec) as z.ZodType<string>,
  key: valueSchema(configEntries.columns.key!.spec) as z.ZodType<string>,
});
/** FastAPI's `value: dict`: a JSON object, nothing else (an array, a string, null or no body → 422). */
const valueBody = z.record(z.string(), z.unknown());

/**
 * The original took no limit on this list; a namespace is a handful of keys. LIMIT with the
 * largest bigint is LIMIT ALL, and keeps the one prepared statement of listNamespace.
 */
const WHOLE_NAMESPACE = { limit: Number.MAX_SAFE_INTEGER, offset: 0 };

type Row = Record<string, unknown>;

/** Configuration: its seven fields (not the description /api keeps), timestamps naive UTC. */
const configuration = (row: Row) => ({
  id: row.id,
  namespace: row.namespace,
  key: row.key,
  value: row.value,
  version: row.version,
  created_at: naiveUtc(row.created_at as string),
  updated_at: naiveUtc(row.updated_at as string),
});

export function registerConfigRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/config/:namespace/:key', SECURED, async (req) => {
    const { namespace, key } = req.params as { namespace: string; key: string };
    // No length check here: a key too long to exist is simply not found, as on the original.
    const found = await findByKey(deps.db, configEntries, { namespace, key });
    if (!found) throw compatNotFound(NOT_FOUND);
    return configuration(JSON.parse(found.body) as Row);
  });

  app.put('/config/:namespace/:key', SECURED, async (req) => {
    const k = parseOr422(keyParams, req.params, 'path');
    const value = parseOr422(valueBody, req.body, 'body');
    // Only the value: a description set through /api stays. The original had no preconditions.
    const { result } = await putConfig(deps, k, { value }, eventMetadata(req));
    // Without preconditions the upsert only fails if the entry is deleted twice under it.
    if (!result.ok) throw compatNotFound(NOT_FOUND);
    return configuration(JSON.parse(result.body) as Row);
  });

  app.get('/config/:namespace', SECURED, async (req) => {
    const { namespace } = req.params as { namespace: string };
    const rows = JSON.parse(await listNamespace(deps.db, namespace, WHOLE_NAMESPACE)) as Row[];
    return rows.map(configuration);
  });
}
