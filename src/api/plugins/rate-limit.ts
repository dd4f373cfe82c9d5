/**
 * Rate limiting per caller (@fastify/rate-limit, in-process store): a valid token is one
 * budget wherever it comes from, keyed by its digest-derived id (never the token itself);
 * anything else, including a wrong token, counts against the client IP, so guessing tokens
 * cannot buy fresh budgets. The IP is the socket's unless `trustProxy` names the proxy in
 * front (Fastify's `trustProxy`): a client cannot pick its own with X-Forwarded-For.
 *
 * The hook is added at app level, before the auth hook, so refused tokens are counted too.
 * The store is in memory, per process, on purpose: a request never waits on Redis (a Redis
 * outage must not stop writes); with N API processes a caller gets N budgets.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../problems.js';
import { sourceOf, type Identify } from '../auth/index.js';

export interface RateLimitOptions {
  /** Requests per window per key; 0 turns limiting off. */
  max: number;
  windowMs: number;
  identify: Identify;
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
  await app.register(rateLimit, {
    global: false,
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
