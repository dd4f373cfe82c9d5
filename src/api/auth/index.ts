/**
 * The one auth module: which tokens the service accepts (keys.ts: static keys; jwt.ts: JWTs
 * of one issuer), what a caller may do (grants.ts), where a request carries a token
 * (credentials.ts), browser sessions for the admin pages (session.ts), and the checks every
 * route and page sits behind (below). The API routes, the rate limiter, the admin pages,
 * the queue board and /metrics all ask it; none reads a header or a key itself.
 *
 *   route config `scope`   'user' | 'admin' | 'metrics'; no scope: public (health, docs)
 *   route config `tables`  what a `user` route reads (GET, HEAD) or writes (other methods):
 *                          the caller needs that access to each (`permits`); absent: every
 *                          table (`*`); `[]`: the handler checks per item itself
 *   401                    no token, or one that is not a key here (a metrics-only token
 *                          anywhere but /metrics is not a key there), an expired key, a JWT
 *                          that fails verification (the detail says which check)
 *   403                    a known caller without the scope, or without the table access
 *   429                    too many failed credentials from the client's address (attempts.ts)
 *   503                    the JWT issuer's key set cannot be fetched
 *
 * A token is first compared with the static keys (constant time, every time); only one that
 * is none of them and is shaped like a JWT is verified as one, when JWT is configured.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JwtConfig } from '../../config.js';
import { Problem, problemBody } from '../problems.js';
import { attempts, type AttemptLimits } from './attempts.js';
import { presentedToken, TOKEN_HINT } from './credentials.js';
import { ALL_TABLES, grantsOfScope, onlyMetrics, permits, reaches, type Caller, type Operation, type Scope } from './grants.js';
import { jwtVerifier, looksLikeJwt, type JwksLog, type JwtVerifier } from './jwt.js';
import { keyStore, type KeySpec } from './keys.js';
import { COOKIE, sessions, type Sessions } from './session.js';

export { sourceOf, type AttemptLimits } from './attempts.js';
export { ALL_TABLES, EVENT_LOG, permits, type Caller, type Grants, type Operation, type Scope } from './grants.js';
export { keyId, keyStore, type KeySpec, type KeyStore } from './keys.js';
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
    /**
     * The tables a `user` route touches: GET and HEAD need read on each, other methods
     * write (grants.ts). Absent: the route spans every table and needs `*`. Empty: the
     * handler decides per item with `permits` (a command naming its entity).
     */
    tables?: readonly string[];
    /**
     * With `tables: []`: the tables a request's body names (each command of /api/commands),
     * read leniently from the parsed body (validation comes later). Checked by `requireItems`
     * before anything else uses the body, an Idempotency-Key replay included.
     */
    items?: (body: unknown) => ReadonlyArray<{ table: string; op: Operation; what: string }>;
  }
}

export interface AuthOptions {
  /** Every accepted key with its scope (config.ts `tokens`). */
  tokens: readonly KeySpec[];
  /** A token that opens /metrics only. */
  metricsToken?: string;
  /** JWT bearer tokens (config.ts `jwt`); none: off. */
  jwt?: JwtConfig;
  /** L01_AUTH_DISABLED (never in production): the `user` routes need no token; admin and /metrics still do. */
  disabled?: boolean;
  /** Failed credentials per client address (L01_AUTH_FAILURE_MAX per L01_AUTH_FAILURE_WINDOW_MS); none: unlimited. */
  failures?: AttemptLimits;
  /** Where the JWT key set's outages are told. */
  log?: JwksLog;
}

/** Who calls when authentication is off (L01_AUTH_DISABLED). */
const ANONYMOUS: Caller = { id: 'anonymous', grants: grantsOfScope('user') };

/** Who sent a request: its caller, or null (no token, or one that is no caller). */
export type Identify = (req: FastifyRequest) => Promise<Caller | null>;

export interface Auth {
  /** The caller of a request, decided once per request (the rate limiter asks first, the scope check after). */
  identify: Identify;
  /** onRequest hook of the app: enforces each route's `config.scope` and `config.tables`, sets `req.caller`. */
  requireScope: (req: FastifyRequest) => Promise<void>;
  /** preValidation hook of the app: a route's `config.items`, each checked with `permits` (403 naming the first refused). */
  requireItems: (req: FastifyRequest) => Promise<void>;
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
const READS = new Set(['GET', 'HEAD']);

export const unauthorized = (detail: string) =>
  new Problem(401, 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="l01"' });

/**
 * The scope check, given the caller: a metrics-only token is no key outside /metrics (401);
 * a caller without the scope is refused (403).
 */
function check(caller: Caller | null, needs: Scope): Problem | null {
  if (!caller || (onlyMetrics(caller.grants) && needs !== 'metrics')) return unauthorized('invalid token');
  return reaches(caller.grants, needs) ? null : new Problem(403, 'Forbidden', FORBIDDEN[needs]);
}

/** The table check of a `user` route (`config.tables`): the first table the caller may not touch so, refused. */
function tableCheck(req: FastifyRequest, caller: Caller): Problem | null {
  const op: Operation = READS.has(req.method) ? 'read' : 'write';
  const denied = (req.routeOptions.config?.tables ?? [ALL_TABLES]).find((t) => !permits(caller, t, op));
  if (denied === undefined) return null;
  return new Problem(403, 'Forbidden', `this token may not ${op} ${denied === ALL_TABLES ? 'every table' : denied} (it needs the scope ${denied}:${op})`);
}

/**
 * Answers a refusal itself instead of throwing: Bull Board installs its own error handler
 * in its plugin context, which would turn a thrown 401 into a 500.
 */
const refuse = (req: FastifyRequest, reply: FastifyReply, p: Problem) =>
  reply.code(p.status).headers(p.headers ?? {}).type('application/problem+json').serializer(JSON.stringify)
    .send(problemBody(p, `urn:l01:request:${req.id}`));

/** What a presented token proved: a caller, or a refusal (`failed`: a wrong credential, counted by attempts.ts). */
type Verdict = { caller: Caller } | { problem: Problem; failed: boolean };

export function createAuth(o: AuthOptions): Auth {
  const keys = keyStore([...o.tokens, ...(o.metricsToken ? [{ token: o.metricsToken, scope: 'metrics' as const }] : [])]);
  const verifyJwt: JwtVerifier | null = o.jwt ? jwtVerifier(o.jwt, o.log) : null;

  async function judgeToken(req: FastifyRequest, token: string): Promise<Verdict> {
    const key = keys.identify(token);
    if (key) return key.expired ? { problem: unauthorized('key expired'), failed: true } : { caller: key.caller };
    if (!verifyJwt || !looksLikeJwt(token)) return { problem: unauthorized('invalid token'), failed: true };
    const v = await verifyJwt(token);
    if ('caller' in v) return v;
    if ('refused' in v) return { problem: unauthorized(v.refused), failed: true };
    req.log.warn({ cause: v.cause }, 'JWT key set unavailable');
    return { problem: v.unavailable, failed: false };
  }

  const known = new WeakMap<FastifyRequest, Promise<Verdict | null>>();
  /** The verdict on a request's token (null: it presents none), decided once per request. */
  const verdict = (req: FastifyRequest): Promise<Verdict | null> => {
    let v = known.get(req);
    if (!v) {
      const token = presentedToken(req.headers);
      v = token === null ? Promise.resolve(null) : judgeToken(req, token);
      known.set(req, v);
    }
    return v;
  };
  const identify: Identify = async (req) => {
    const v = await verdict(req);
    return v && 'caller' in v ? v.caller : null;
  };
  const browserSessions = sessions(keys);
  const limiter = attempts(o.failures ?? { max: 0, windowMs: 1 });
  /** The caller of a request that presents a token, the attempt counted; a 429 while its address is locked. */
  const judge = async (req: FastifyRequest): Promise<Caller | Problem> => {
    const v = (await verdict(req))!;
    const locked = limiter.refusal(req, 'caller' in v ? v.caller : null);
    if (locked) return locked;
    if ('caller' in v) {
      limiter.succeeded(req, v.caller);
      return v.caller;
    }
    if (v.failed) limiter.failed(req, presentedToken(req.headers)!);
    return v.problem;
  };

  return {
    identify,
    sessions: browserSessions,
    async requireItems(req) {
      const items = req.routeOptions.config?.items;
      if (!items || !req.caller) return;
      const denied = items(req.body).find((i) => !permits(req.caller, i.table, i.op));
      if (denied) throw new Problem(403, 'Forbidden', `${denied.what}: this token may not ${denied.op} ${denied.table} (it needs the scope ${denied.table}:${denied.op})`);
    },
    async requireScope(req) {
      const scope = req.routeOptions.config?.scope;
      const needs = typeof scope === 'function' ? scope(req) : scope;
      if (!needs) return;
      if (o.disabled && needs === 'user') {
        req.caller = (await identify(req)) ?? ANONYMOUS;
        return;
      }
      if (presentedToken(req.headers) === null) throw unauthorized(TOKEN_HINT);
      const caller = await judge(req);
      if (caller instanceof Problem) throw caller;
      const refused = check(caller, needs) ?? (needs === 'user' ? tableCheck(req, caller) : null);
      if (refused) throw refused;
      req.caller = caller;
    },
    async pageGuard(req, reply) {
      if (presentedToken(req.headers) !== null) {
        const caller = await judge(req);
        if (caller instanceof Problem) return refuse(req, reply, caller);
        const refused = check(caller, 'admin');
        if (refused) return refuse(req, reply, refused.status === 403 ? new Problem(403, 'Forbidden', 'the admin pages need the admin token') : refused);
        req.caller = caller;
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
      const key = keys.identify(token);
      const caller = key && !key.expired ? key.caller : null;
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
