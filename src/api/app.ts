/**
 * The HTTP application as a Fastify instance, built from its dependencies; `server.ts`
 * only starts it. Tests build it the same way and call `app.inject`.
 */
import type { Queue } from 'bullmq';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { entities } from '../db/entities/index.js';
import { groupCommit } from '../db/group-commit.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../db/message-limit.js';
import { readRouting, type Pool, type Queryable } from '../db/pool.js';
import type { RedisClient } from '../redis.js';
import httpSpans from '../telemetry/http.js';
import { partitionedStreamKeys } from '../wire/names.js';
import { registerAdmin } from './admin/index.js';
import { metricQuery, registerCompat } from './compat/index.js';
import { createAuth } from './auth/index.js';
import { requestId } from './context.js';
import idempotency, { keyedReads } from './idempotency/index.js';
import apiMetrics from './metrics/index.js';
import openapi from './openapi.js';
import bodyBudget, { LoadShed } from './plugins/body-budget.js';
import connections, { serverTimeouts, type ConnectionConfig } from './plugins/connections.js';
import jsonBody from './plugins/json-body.js';
import rateLimit from './plugins/rate-limit.js';
import securityHeaders from './plugins/security-headers.js';
import { Problem, problemBody, toProblem } from './problems.js';
import { writer } from './respond.js';
import { registerCommandRoutes } from './routes/commands.js';
import { registerDeadLetterRoutes } from './routes/dead-letters.js';
import { registerDomainRoutes } from './routes/domain.js';
import { registerEntityRoutes } from './routes/entities.js';
import { registerEventRoutes } from './routes/events.js';
import { registerHealthRoutes } from './routes/health.js';

export interface AppDeps {
  config: Pick<Config, 'tokens' | 'L01_BODY_LIMIT' | 'L01_RATE_LIMIT_MAX' | 'L01_RATE_LIMIT_WINDOW_MS' | 'L01_WRITE_CONCURRENCY' | 'L01_WRITE_BATCH_MAX'> &
    Pick<Config, 'L01_INFLIGHT_BODY_BYTES' | 'L01_AUTH_FAILURE_MAX' | 'L01_AUTH_FAILURE_WINDOW_MS'> & ConnectionConfig &
    Partial<Pick<Config, 'L01_TRUST_PROXY' | 'L01_AUTH_DISABLED' | 'L01_CORS_ORIGINS'>> &
    Partial<Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'L01_RATE_LIMIT_STORE' | 'L01_RATE_LIMIT_REDIS_TIMEOUT_MS'>> &
    Partial<Pick<Config, 'NODE_ENV' | 'L01_RELAY_PARTITIONS' | 'L01_REDIS_PREFIX' | 'L01_CHANNEL_PREFIX' | 'L01_LEGACY_CHANNEL' | 'L01_METRICS_TOKEN' | 'L01_MAX_MESSAGE_BYTES' | 'jwt'>> &
    Pick<Config, 'L01_IDEMPOTENCY_TTL_MS' | 'L01_COMMANDS_MAX'>;
  /** The primary: every write, the relay's tables, readiness. */
  db: Pool;
  /** A streaming replica (`DATABASE_READ_URL`) for what GET and HEAD handlers read; none: the primary. */
  readDb?: Queryable;
  redis: RedisClient;
  logger: Logger;
  /** Called after each committed write (the relay's wake-up signal). */
  onCommit?: () => void;
  /** The BullMQ publish queues (one per relay partition), shown read-only at /admin/queues; no board without them. */
  publishQueues?: readonly Queue[];
}

/**
 * One compact line per request, when it completes; nothing when it arrives. At `info` only
 * the requests that need a look (5xx, or slower than 1 s); every request at `debug`. A line
 * per request at `info` was about 3% of the API's CPU profile under write load (pino and its
 * writes to stdout), for what the metrics (`/metrics`) already count.
 */
class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }
  override incomingRequest(): void {}
  override requestCompleted(_error: Error | null, req: FastifyRequest, reply: FastifyReply): void {
    // The route pattern, or the bare path: never the query string, where a careless client
    // may have put a token (`?access_token=…`).
    const url = req.routeOptions.url ?? req.url.split('?')[0];
    const ms = reply.elapsedTime;
    const level = reply.statusCode >= 500 || ms >= 1000 ? 'info' : 'debug';
    if (!(req.log as Logger).isLevelEnabled(level)) return;
    req.log[level]({ method: req.method, url, status: reply.statusCode, ms: Math.round(ms) }, 'request');
  }
}

/**
 * Answers any error as problem details. Also serves Fastify's router errors (a malformed
 * percent-encoding, an over-long path parameter), which otherwise bypass the error handler
 * with Fastify's own JSON shape and internal error code.
 */
function sendProblem(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  let problem = toProblem(err);
  if (!problem) {
    req.log.error({ err }, 'unexpected error');
    problem = new Problem(500, 'Internal Server Error', `unexpected error; quote request id ${req.id}`);
  } else if (problem.status >= 500 && !(problem instanceof LoadShed)) {
    req.log.warn({ err: (err as Error).message, status: problem.status }, 'dependency unavailable');
  }
  return reply
    .code(problem.status)
    .headers(problem.headers ?? {})
    .type('application/problem+json')
    .serializer(JSON.stringify)
    .send(problemBody(problem, `urn:l01:request:${req.id}`));
}

/** `*` lets any origin call (echoed back, as the original's CORS did with credentials); otherwise only those listed. */
const corsOrigin = (origins: readonly string[]) => (origins.includes('*') ? true : [...origins]);

/** A hop count trusts that many proxies nearest to the server (proxy-addr's `hop` index). */
const trustedProxies = (t: boolean | number | string[]) => (typeof t === 'number' ? (_addr: string, hop: number) => hop < t : t);

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    genReqId: requestId,
    logController: new RequestLog(),
    requestIdHeader: false,
    bodyLimit: deps.config.L01_BODY_LIMIT,
    // Header, request, keep-alive and socket deadlines (plugins/connections.ts).
    ...serverTimeouts(deps.config),
    // X-Forwarded-For counts only from the proxies configured here (rate limits key on the IP).
    trustProxy: trustedProxies(deps.config.L01_TRUST_PROXY ?? false),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // The original's callers spell collections with a trailing slash and items without
    // (and the UI the other way round): both answer, without a redirect (httpx does not follow one).
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    frameworkErrors: sendProblem,
  }) as unknown as FastifyInstance;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: anything else is a 415 (fastify would otherwise accept text/plain).
  app.removeContentTypeParser('text/plain');

  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    done(null, payload);
  });

  app.setErrorHandler(sendProblem);

  // GET and HEAD handlers read the replica when there is one (db/pool.ts readRouting); the
  // routes are given `reads.db`, which is the primary everywhere else.
  const reads = readRouting(deps.db, deps.readDb);
  if (deps.readDb) {
    app.addHook('onRoute', (route) => {
      if (![route.method].flat().every((m) => m === 'GET' || m === 'HEAD')) return;
      const handler = route.handler;
      route.handler = function (this: FastifyInstance, req, reply) {
        return reads.inRead(() => handler.call(this, req, reply));
      };
    });
  }

  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send(problemBody(new Problem(404, 'Not Found', `no route ${req.method} ${req.url.split('?')[0]}`), `urn:l01:request:${req.id}`)),
  );

  const auth = createAuth({
    tokens: deps.config.tokens, metricsToken: deps.config.L01_METRICS_TOKEN, jwt: deps.config.jwt, disabled: deps.config.L01_AUTH_DISABLED,
    failures: { max: deps.config.L01_AUTH_FAILURE_MAX, windowMs: deps.config.L01_AUTH_FAILURE_WINDOW_MS }, log: app.log,
  });
  app.decorateRequest('caller', undefined);
  // First: its span covers the whole request, refused ones included (off: no hooks at all).
  await app.register(httpSpans);
  await app.register(connections, deps.config);
  await app.register(securityHeaders);
  // Before the scope check: preflights and 401s carry their CORS headers (the browser UI reads them).
  await app.register(cors, {
    origin: corsOrigin(deps.config.L01_CORS_ORIGINS ?? ['*']), credentials: true, maxAge: 600,
    methods: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    // What a page script may read of an answer: paging, versions, where a create went, the request id, a replay.
    exposedHeaders: ['X-Next-Cursor', 'Link', 'ETag', 'Location', 'X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
  });
  // Before anything reads a body: a request that does not fit is shed unread (503).
  await app.register(bodyBudget, { limit: deps.config.L01_INFLIGHT_BODY_BYTES, bodyLimit: deps.config.L01_BODY_LIMIT });
  // The JSON parser of both surfaces: exact (no rounded integers, no replaced bytes), within the budget.
  await app.register(jsonBody);
  await app.register(openapi, {
    names: { prefix: deps.config.L01_REDIS_PREFIX ?? 'l01:', channelPrefix: deps.config.L01_CHANNEL_PREFIX ?? '', legacyChannel: deps.config.L01_LEGACY_CHANNEL ?? 'l01:events' },
    partitions: deps.config.L01_RELAY_PARTITIONS ?? 1,
  });
  // Before the scope check: its hook runs first, so refused tokens use up their IP's budget too.
  await app.register(rateLimit, {
    identify: auth.identify,
    max: deps.config.L01_RATE_LIMIT_MAX,
    windowMs: deps.config.L01_RATE_LIMIT_WINDOW_MS,
    redis: deps.config.L01_RATE_LIMIT_STORE === 'redis' && deps.config.REDIS_URL
      ? { target: { REDIS_URL: deps.config.REDIS_URL, REDIS_CLUSTER_NODES: deps.config.REDIS_CLUSTER_NODES }, prefix: deps.config.L01_REDIS_PREFIX ?? 'l01:', timeoutMs: deps.config.L01_RATE_LIMIT_REDIS_TIMEOUT_MS } : undefined,
  });
  app.addHook('onRequest', auth.requireScope);
  // Before the Idempotency-Key hook: a replay is checked like a first request.
  app.addHook('preValidation', auth.requireItems);
  // After the scope check (keys belong to req.caller), before any handler writes.
  await app.register(idempotency, { db: deps.db, ttlMs: deps.config.L01_IDEMPOTENCY_TTL_MS, onCommit: deps.onCommit });
  const limits = { maxMessageBytes: deps.config.L01_MAX_MESSAGE_BYTES ?? DEFAULT_MAX_MESSAGE_BYTES };
  const write = writer(groupCommit(deps.db, {
    concurrency: deps.config.L01_WRITE_CONCURRENCY,
    maxBatch: deps.config.L01_WRITE_BATCH_MAX,
    maxMessageBytes: limits.maxMessageBytes,
  }), deps.db, deps.onCommit, limits);
  const partitions = deps.config.L01_RELAY_PARTITIONS ?? 1;
  const streams = partitionedStreamKeys({ prefix: deps.config.L01_REDIS_PREFIX ?? 'l01:' }, entities.map((e) => e.singular), partitions);
  await app.register(apiMetrics, { db: deps.db, redis: deps.redis, streams, partitions, metricQuery: metricQuery({ db: reads.db, write }) });
  await registerHealthRoutes(app, { db: deps.db, replica: deps.readDb, redis: deps.redis });
  await registerEventRoutes(app, { db: reads.db });
  await registerDeadLetterRoutes(app, { db: reads.db, onCommit: deps.onCommit });
  // What the routes read with: a GET's reads go to the replica (when there is one), a keyed
  // request's stay on its own connection, everything else reads the primary.
  const routes = { db: keyedReads(reads.db), write };
  await registerEntityRoutes(app, routes);
  await registerCommandRoutes(app, { ...routes, maxCommands: deps.config.L01_COMMANDS_MAX });
  await registerDomainRoutes(app, routes);
  await registerCompat(app, routes);
  // The operator pages read the primary: they show the relay's live state (its lock, its backlog).
  await registerAdmin(app, {
    auth, db: deps.db, redis: deps.redis, names: { prefix: deps.config.L01_REDIS_PREFIX ?? 'l01:' }, streams, partitions,
    onCommit: deps.onCommit, publishQueues: deps.publishQueues,
    secureCookies: deps.config.NODE_ENV === 'production',
  });
  return app;
}
