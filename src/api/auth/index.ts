/**
 * The one auth module: which tokens the service accepts (keys.ts), where a request carries
 * one (credentials.ts), browser sessions for the admin pages (session.ts), and the checks
 * every route and page sits behind (below). The API routes, the rate limiter, the admin
 * pages, the queue board and /metrics all ask it; none reads a header or a key itself.
 *
 *   route config `scope`   'user' | 'admin' | 'metrics'; no scope: public (health, docs)
 *   401                    no token, or one that is not a key here (a metrics-only token
 *                          anywhere but /metrics is not a key there)
 *   403                    a known key without the scope
 *   429                    too many failed credentials from the client's address (attempts.ts)
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem, problemBody } from '../problems.js';
import { attempts, type AttemptLimits } from './attempts.js';
import { presentedToken, TOKEN_HINT } from './credentials.js';
import { grants, keyStore, type Caller, type KeySpec, type Scope } from './keys.js';
import { COOKIE, sessions, type Sessions } from './session.js';

export { sourceOf, type AttemptLimits } from './attempts.js';
export { grants, keyId, keyStore, type Caller, type KeySpec, type KeyStore, type Scope } from './keys.js';
export { COOKIE, SESSION_MS, sessions, setSessionCookie, type Sessions } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyContextConfig {
    /**
     * Scope a route requires; routes without one are public (health, docs). A function
     * decides per request (`GET /metrics`: Prometheus, or the original's metric query).
     */
    scope?: Scope | ((req: FastifyRequest) => Scope);
  }
}

export interface AuthOptions {
  /** Every accepted key with its scope (config.ts `tokens`). */
  tokens: readonly KeySpec[];
  /** A token that opens /metrics only. */
  metricsToken?: string;
  /** L01_AUTH_DISABLED (never in production): the `user` routes need no token; admin and /metrics still do. */
  disabled?: boolean;
  /** Failed credentials per client address (L01_AUTH_FAILURE_MAX per L01_AUTH_FAILURE_WINDOW_MS); none: unlimited. */
  failures?: AttemptLimits;
}

/** Who calls when authentication is off (L01_AUTH_DISABLED). */
const ANONYMOUS: Caller = { scope: 'user', id: 'anonymous' };

/** Who sent a request: its caller, or null (no token, or an unknown one). */
export type Identify = (req: FastifyRequest) => Caller | null;

export interface Auth {
  /** The caller of a request, decided once per request (the rate limiter asks first, the scope check after). */
  identify: Identify;
  /** onRequest hook of the app: enforces each route's `config.scope`, sets `req.caller`. */
  requireScope: (req: FastifyRequest) => Promise<void>;
  /**
   * onRequest hook of the admin pages and the queue board: the admin token as a bearer, or
   * a browser session cookie. With the cookie, a request that changes something must not
   * come from another site (`Sec-Fetch-Site`, a second line behind SameSite=Strict). A
   * browser without a session is sent to the login page; anything else gets 401.
   */
  pageGuard: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /**
   * The admin login form's check: the session cookie for an admin token, or the problem
   * (401 not the admin token, 429 too many failures from this address).
   */
  signIn: (req: FastifyRequest, token: string) => string | Problem;
  sessions: Sessions;
}

const FORBIDDEN: Record<Scope, string> = {
  user: 'this route needs an API key',
  admin: 'this route needs the admin token',
  metrics: '/metrics needs the admin token or L01_METRICS_TOKEN',
};
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const unauthorized = (detail: string) =>
  new Problem(401, 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="l01"' });

/**
 * The scope check, given the caller: a metrics-only token is no key outside /metrics (401);
 * a key without the scope is refused (403).
 */
function check(caller: Caller | null, needs: Scope): Problem | null {
  if (!caller || (caller.scope === 'metrics' && needs !== 'metrics')) return unauthorized('invalid token');
  return grants(caller.scope, needs) ? null : new Problem(403, 'Forbidden', FORBIDDEN[needs]);
}

/**
 * Answers a refusal itself instead of throwing: Bull Board installs its own error handler
 * in its plugin context, which would turn a thrown 401 into a 500.
 */
const refuse = (req: FastifyRequest, reply: FastifyReply, p: Problem) =>
  reply.code(p.status).headers(p.headers ?? {}).type('application/problem+json').serializer(JSON.stringify)
    .send(problemBody(p, `urn:l01:request:${req.id}`));

export function createAuth(o: AuthOptions): Auth {
  const keys = keyStore([...o.tokens, ...(o.metricsToken ? [{ token: o.metricsToken, scope: 'metrics' as const }] : [])]);
  const known = new WeakMap<FastifyRequest, Caller | null>();
  const identify: Identify = (req) => {
    if (known.has(req)) return known.get(req)!;
    const token = presentedToken(req.headers);
    const caller = token === null ? null : keys.identify(token);
    known.set(req, caller);
    return caller;
  };
  const browserSessions = sessions(keys);
  const limiter = attempts(o.failures ?? { max: 0, windowMs: 1 });
  /** The caller of a request that presents a token, the attempt counted; a 429 while its address is locked. */
  const judge = (req: FastifyRequest): Caller | null | Problem => {
    const caller = identify(req);
    const locked = limiter.refusal(req, caller);
    if (locked) return locked;
    if (caller) limiter.succeeded(req, caller);
    else limiter.failed(req, presentedToken(req.headers)!);
    return caller;
  };

  return {
    identify,
    sessions: browserSessions,
    async requireScope(req) {
      const scope = req.routeOptions.config?.scope;
      const needs = typeof scope === 'function' ? scope(req) : scope;
      if (!needs) return;
      if (o.disabled && needs === 'user') {
        req.caller = identify(req) ?? ANONYMOUS;
        return;
      }
      if (presentedToken(req.headers) === null) throw unauthorized(TOKEN_HINT);
      const caller = judge(req);
      if (caller instanceof Problem) throw caller;
      const refused = check(caller, needs);
      if (refused) throw refused;
      req.caller = caller!;
    },
    async pageGuard(req, reply) {
      if (presentedToken(req.headers) !== null) {
        const caller = judge(req);
        if (caller instanceof Problem) return refuse(req, reply, caller);
        const refused = check(caller, 'admin');
        if (refused) return refuse(req, reply, refused.status === 403 ? new Problem(403, 'Forbidden', 'the admin pages need the admin token') : refused);
        req.caller = caller!;
        return;
      }
      const cookie = req.cookies?.[COOKIE];
      if (cookie !== undefined && browserSessions.verify(cookie)) {
        const site = req.headers['sec-fetch-site'];
        if (!SAFE_METHODS.has(req.method) && site !== undefined && site !== 'same-origin' && site !== 'none') {
          return refuse(req, reply, new Problem(403, 'Forbidden', 'cross-site request refused'));
        }
        return;
      }
      if (req.method === 'GET' && /text\/html/.test(req.headers.accept ?? '')) {
        return reply.redirect(`/admin/login?next=${encodeURIComponent(req.url)}`, 303);
      }
      return refuse(req, reply, unauthorized('log in at /admin/login, or send Authorization: Bearer <admin token>'));
    },
    signIn(req, token) {
      const caller = keys.identify(token);
      const locked = limiter.refusal(req, caller);
      if (locked) return locked;
      const cookie = browserSessions.issue(token);
      if (!cookie) {
        limiter.failed(req, token);
        return unauthorized('that is not the admin token');
      }
      limiter.succeeded(req, caller!);
      return cookie;
    },
  };
}
