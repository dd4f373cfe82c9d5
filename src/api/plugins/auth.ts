/**
 * Bearer-token authentication with scopes. Tokens are compared as SHA-256 digests with
 * `timingSafeEqual`, against every configured token without stopping at a match, so the
 * time taken says nothing about how much of a token was right or which one matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../problems.js';

export type Scope = 'user' | 'admin';

export interface Caller {
  scope: Scope;
  /** Stable, non-secret id of the token (first 12 hex of its digest), for event metadata. */
  id: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyContextConfig {
    /** Scope a route requires; routes without one are public (health, docs). */
    scope?: Scope;
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest();

export function tokenMatcher(tokens: ReadonlyArray<{ token: string; scope: Scope }>) {
  const known = tokens.map((t) => ({ hash: digest(t.token), scope: t.scope }));
  return (presented: string): Caller | null => {
    const hash = digest(presented);
    let found: Caller | null = null;
    for (const k of known) {
      // No early exit: every comparison runs.
      if (timingSafeEqual(hash, k.hash) && (found === null || k.scope === 'admin')) {
        found = { scope: k.scope, id: `key:${hash.toString('hex').slice(0, 12)}` };
      }
    }
    return found;
  };
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = header ? /^Bearer +(\S+) *$/i.exec(header) : null;
  return m ? m[1]! : null;
}

/** Who sent a request: its caller, or null (no token, or an unknown one). */
export type Identify = (req: FastifyRequest) => Caller | null;

/**
 * Identifies a request by its bearer token, once: the rate limiter (which runs first) and
 * the scope check share the answer, so a token is hashed and compared once per request.
 */
export function requestIdentifier(tokens: ReadonlyArray<{ token: string; scope: Scope }>): Identify {
  const match = tokenMatcher(tokens);
  const known = new WeakMap<FastifyRequest, Caller | null>();
  return (req) => {
    if (known.has(req)) return known.get(req)!;
    const token = bearerToken(req.headers.authorization);
    const caller = token === null ? null : match(token);
    known.set(req, caller);
    return caller;
  };
}

const unauthorized = (detail: string) =>
  new Problem(401, 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="l01"' });

export interface AuthOptions {
  tokens: ReadonlyArray<{ token: string; scope: Scope }>;
  /** Shared with the rate limiter; built from `tokens` when not given. */
  identify?: Identify;
}

async function authPlugin(app: FastifyInstance, opts: AuthOptions) {
  const identify = opts.identify ?? requestIdentifier(opts.tokens);
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const required = req.routeOptions.config?.scope;
    if (!required) return;
    if (bearerToken(req.headers.authorization) === null) throw unauthorized('send Authorization: Bearer <token>');
    const caller = identify(req);
    if (!caller) throw unauthorized('invalid token');
    if (required === 'admin' && caller.scope !== 'admin') throw new Problem(403, 'Forbidden', 'this route needs the admin token');
    req.caller = caller;
  });
}

export default fp(authPlugin, { name: 'auth' });
