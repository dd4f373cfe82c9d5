/**
 * The OpenAPI document, generated from the zod schemas of the routes, and the
 * interactive docs page at /docs. Both are public; every /api route declares bearer auth.
 *
 * What /docs/json serves is the public document: the operations a normal key can call
 * (and the open ones: health). The operator routes (admin scope: dead letters) are left
 * out, so the public document is no map of them; `app.swagger()` keeps the whole
 * document, every operation with its `x-required-scope`, for the tests and tools that
 * check the scopes.
 *
 * It is serialised once, on the first request, and served as those bytes: it is ~2.4 MB,
 * and re-serialising it per request let any anonymous client spend the API's heap (the
 * YAML rendering cost 1.4 s and 70 MB of RSS). /docs/yaml serves the same bytes: JSON is
 * YAML (1.2).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import type { WireNames } from '../wire/names.js';
import { asyncApiDocument } from './asyncapi.js';
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
  429: problem.describe('Too many requests, or too many failed tokens from this address; see Retry-After'),
  503: problem.describe('A dependency (Postgres) is unavailable, or too many request bodies are in flight; see Retry-After'),
} as const;

/** The problems of a write: those of every route, and what its Idempotency-Key can meet (api/idempotency). */
export const writeProblemResponses = {
  ...problemResponses,
  409: problem.describe('Foreign-key or uniqueness conflict, or a request with the same Idempotency-Key still in flight (see Retry-After)'),
  422: problem.describe('The Idempotency-Key was used for another request (method, path or body differ)'),
} as const;

/** Marks a route's schema as needing the bearer token (and says so in the document). */
export function secured<T extends object>(schema: T, scope: 'user' | 'admin' = 'user'): T & { security: Array<Record<string, string[]>> } {
  const note = scope === 'admin' ? 'Requires the admin token (`L01_ADMIN_API_KEY`).' : 'Requires a bearer token.';
  const description = 'description' in schema ? `${String(schema.description)}\n\n${note}` : note;
  return { ...schema, description, security: [{ bearerAuth: [] }], 'x-required-scope': scope };
}

type Document = { paths?: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/** Scopes a normal caller has: undefined is an open route. */
const PUBLIC_SCOPES = new Set([undefined, 'user']);

/** The document without the operations a normal key cannot call. */
export function publicDocument<T extends Document>(doc: T): T {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const kept = Object.entries(item).filter(([, op]) => PUBLIC_SCOPES.has((op as { 'x-required-scope'?: string })?.['x-required-scope']));
    if (kept.length > 0) paths[path] = Object.fromEntries(kept);
  }
  return { ...doc, paths };
}

const DOCUMENT_ROUTES: Record<string, string> = {
  '/docs/json': 'application/json; charset=utf-8',
  '/docs/yaml': 'application/x-yaml',
};

export interface DocsOptions {
  /** Names of what the relay publishes, for the AsyncAPI document (asyncapi.ts). */
  names: WireNames;
  /** L01_RELAY_PARTITIONS: the document lists each partition's streams. */
  partitions?: number;
}

async function openapi(app: FastifyInstance, o: DocsOptions) {
  let serialised: Buffer | undefined;
  const serveDocument = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const type = DOCUMENT_ROUTES[req.routeOptions.url ?? ''];
    if (!type) return done();
    serialised ??= Buffer.from(JSON.stringify(publicDocument(app.swagger() as Document)));
    void reply.type(type).send(serialised);
  };

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
  await app.register(swaggerUi, { routePrefix: '/docs', uiHooks: { onRequest: serveDocument } });

  // What the relay publishes, beside what the API serves: built once, from the definitions.
  let asyncApi: Buffer | undefined;
  app.get('/docs/asyncapi.json', { schema: { hide: true } }, (_req, reply) => {
    asyncApi ??= Buffer.from(JSON.stringify(asyncApiDocument(o.names, { partitions: o.partitions })));
    return reply.type('application/json; charset=utf-8').send(asyncApi);
  });
}

export default fp(openapi, { name: 'openapi' });
