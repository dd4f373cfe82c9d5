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

const unauthorized = (detail: string) =>
  new Problem(401, 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="l01"' });

async function authPlugin(app: FastifyInstance, opts: { tokens: ReadonlyArray<{ token: string; scope: Scope }> }) {
  const match = tokenMatcher(opts.tokens);
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const required = req.routeOptions.config?.scope;
    if (!required) return;
    const header = req.headers.authorization;
    const m = header ? /^Bearer +(\S+) *$/i.exec(header) : null;
    if (!m) throw unauthorized('send Authorization: Bearer <token>');
    const caller = match(m[1]!);
    if (!caller) throw unauthorized('invalid token');
    if (required === 'admin' && caller.scope !== 'admin') throw new Problem(403, 'Forbidden', 'this route needs the admin token');
    req.caller = caller;
  });
}

export default fp(authPlugin, { name: 'auth' });
