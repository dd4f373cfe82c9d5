/**
 * The original service's routes, for the layers, the browser UI and the shared Python client
 * that call L01 the way they did (shared/compat/ORIGINAL-L01-API.md). A second view of the
 * same entities, through the same writer: every write is an event of the log, relayed and
 * published like a write through /api.
 *
 *   resources/      one declaration per entity: path, key, names, values, routes
 *   routes.ts       what a declaration becomes
 *   *.ts            the few routes that are not an entity's CRUD (events, config, links, statistics, root)
 *
 * The routes live in a plugin context of their own, so their errors take the original's
 * shapes (errors.ts) while /api keeps its problem details. They are not in the OpenAPI
 * document, which describes /api.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteDeps } from '../respond.js';
import { registerConfigRoutes } from './config.js';
import { registerDatasetRoutes } from './datasets.js';
import { sendCompatError } from './errors.js';
import { registerEventRoutes } from './events.js';
import { listsOf } from './resource.js';
import { listHandler, registerResource } from './routes.js';
import { metricRecords, RESOURCES } from './resources/index.js';
import { registerRootRoutes } from './root.js';
import { registerStatisticsRoutes } from './statistics.js';

/**
 * The original's `GET /metrics/?metric_name=…`, for the route that shares its path with the
 * Prometheus endpoint (api/metrics): answers and errors in the original's shapes.
 */
export function metricQuery(deps: RouteDeps) {
  const handle = listHandler(deps, metricRecords, listsOf(metricRecords)[0]!);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      return await handle(req, reply);
    } catch (err) {
      return sendCompatError(err, req, reply);
    }
  };
}

export async function registerCompat(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  await app.register(async (compat) => {
    compat.setErrorHandler(sendCompatError);
    for (const r of RESOURCES) registerResource(compat, deps, r);
    await registerEventRoutes(compat, deps);
    registerRootRoutes(compat);
    registerConfigRoutes(compat, deps);
    registerDatasetRoutes(compat, deps);
    registerStatisticsRoutes(compat, deps);
  });
}
