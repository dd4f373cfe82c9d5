/**
 * Rate limiting per caller (@fastify/rate-limit, in-process store): a valid token is one
 * budget wherever it comes from, keyed by its digest-derived id (never the token itself);
 * anything else, including a wrong token, counts against the client IP, so guessing tokens
 * cannot buy fresh budgets. The IP is the socket's unless `trustProxy` names the proxy in
 * front (Fastify's `trustProxy`): a client cannot pick its own with X-Forwarded-For.
 *
 * The hook is added at app level, before the auth hook, so refused tokens are counted too.
 * The counters live in memory, per process, unless `redis` is given (L01_RATE_LIMIT_STORE,
 * the default with several API processes): then every process and host on that Redis
 * shares them, through @fastify/rate-limit's own Lua counter, on a client of their own
 * whose commands give up after L01_RATE_LIMIT_REDIS_TIMEOUT_MS (250 ms). A Redis that fails or stalls lets the request
 * through (`skipOnError`): a limit must never stop writes.
 */
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import { withTimeout } from '../../lib/time.js';
import { createRedis, type RedisTarget } from '../../redis.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../problems.js';
import { sourceOf, type Identify } from '../auth/index.js';

export interface RateLimitOptions {
  /** Requests per window per key; 0 turns limiting off. */
  max: number;
  windowMs: number;
  identify: Identify;
  /** Shared counters: this Redis, under `<prefix>ratelimit:`. None: in memory, per process. */
  redis?: { target: RedisTarget; prefix: string; /** L01_RATE_LIMIT_REDIS_TIMEOUT_MS: a slower answer lets the request through. */ timeoutMs?: number };
}

/** The bucket of a request: `caller:<caller id>` (a verified caller: `key:…`, `jwt:<sub>`) or `ip:<address>` (IPv6 by /64). */
export async function rateLimitKey(req: FastifyRequest, identify: Identify): Promise<string> {
  const caller = await identify(req);
  // `req.ip` is undefined once the client has gone (its socket destroyed): one shared bucket.
  return caller ? `caller:${caller.id}` : `ip:${sourceOf(req)}`;
}

/** Probes must keep answering whoever floods the service. */
const exempt = (req: FastifyRequest) => /^\/health(\/|$)/.test(req.routeOptions.url ?? '');

async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitOptions) {
  if (opts.max === 0) return;
  // A stalled Redis (the socket open, nothing coming back) costs a request at most timeoutMs;
  // after socketTimeout without an answer the socket is dropped and, while it reconnects,
  // requests fail open at once instead of each waiting.
  const timeoutMs = opts.redis?.timeoutMs ?? 250;
  const shared = opts.redis
    ? createRedis(opts.redis.target, app.log as Logger, 'l01-api-ratelimit', { commandTimeout: timeoutMs, socketTimeout: Math.max(1000, 4 * timeoutMs), maxRetriesPerRequest: 0 })
    : undefined;
  if (shared) {
    app.addHook('onClose', async () => void shared.disconnect());
    // Counting from the first request when Redis is there (connection errors meanwhile are
    // retried); a Redis that is not lets the app start anyway, 5 s later, uncounted until it comes.
    await withTimeout(new Promise((ready) => shared.once('ready', ready)), 5000, 'rate-limit redis').catch(() => {});
  }
  await app.register(rateLimit, {
    global: false,
    ...(shared ? { redis: shared, nameSpace: `${opts.redis!.prefix}ratelimit:`, skipOnError: true } : {}),
    max: opts.max,
    timeWindow: opts.windowMs,
    keyGenerator: (req) => rateLimitKey(req, opts.identify),
    allowList: (req) => exempt(req),
    errorResponseBuilder: (_req, ctx) =>
      new Problem(429, 'Too Many Requests', `more than ${ctx.max} requests in ${opts.windowMs} ms; retry in ${ctx.after}`, undefined, {
        'retry-after': String(Math.max(1, Math.ceil(ctx.ttl / 1000))),
      }),
  });
  app.addHook('onRequest', app.rateLimit());
}

export default fp(rateLimitPlugin, { name: 'rate-limit' });
