/**
 * The OpenAPI document, generated from the zod schemas of the routes, and the
 * interactive docs page at /docs. Both are public; every /api route declares bearer auth.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';

const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details (application/problem+json)');

export const problemResponses = {
  400: problem.describe('Invalid input: `errors` names each field and why'),
  401: problem.describe('Missing or wrong bearer token'),
  403: problem.describe('The token lacks the scope this route needs'),
  404: problem.describe('No such entity'),
  409: problem.describe('Foreign-key or uniqueness conflict'),
  412: problem.describe('If-Match does not match the current version'),
  413: problem.describe('Body larger than the limit'),
  415: problem.describe('Body is not application/json'),
  503: problem.describe('A dependency (Postgres) is unavailable'),
} as const;

/** Marks a route's schema as needing the bearer token (and says so in the document). */
export function secured<T extends object>(schema: T, scope: 'user' | 'admin' = 'user'): T & { security: Array<Record<string, string[]>> } {
  const note = scope === 'admin' ? 'Requires the admin token (`L01_ADMIN_API_KEY`).' : 'Requires a bearer token.';
  const description = 'description' in schema ? `${String(schema.description)}\n\n${note}` : note;
  return { ...schema, description, security: [{ bearerAuth: [] }], 'x-required-scope': scope };
}

async function openapi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'L01 Data Layer',
        version: '0.1.0',
        description: 'Event-sourced entities of the agent platform. Every change is an immutable event, delivered to Redis Streams and pub/sub at least once, in order.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

export default fp(openapi, { name: 'openapi' });
