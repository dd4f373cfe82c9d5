/**
 * The domain endpoints beyond generic CRUD, one small file each. Their writes go through
 * the same writer as the generic routes, so every one of them is an event.
 * Their static path segments (`/api/tools/executions`, `/api/datasets/statistics`, …) win
 * over the generic `/api/<table>/:id` routes in Fastify's router, whatever the order.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../respond.js';
import { registerConfigRoutes } from './config.js';
import { registerDatasetExampleRoutes } from './dataset-examples.js';
import { registerFeedbackRoutes } from './feedback.js';
import { registerModelUsageRoutes } from './model-usage.js';
import { registerStatisticsRoutes } from './statistics.js';
import { registerToolExecutionRoutes } from './tool-executions.js';

export async function registerDomainRoutes(app: FastifyInstance, deps: RouteDeps) {
  await registerConfigRoutes(app, deps);
  await registerToolExecutionRoutes(app, deps);
  await registerDatasetExampleRoutes(app, deps);
  await registerStatisticsRoutes(app, deps);
  await registerFeedbackRoutes(app, deps);
  await registerModelUsageRoutes(app, deps);
}
