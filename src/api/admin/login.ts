/**
 * Admin sign-in for browsers (see session.ts for the cookie), and the guard every admin
 * page and the queue board sit behind.
 *
 * The guard accepts `Authorization: Bearer <admin token>` or a valid session cookie. With
 * the cookie, a request that changes something must also not come from another site:
 * SameSite=Strict already keeps the cookie off cross-site requests, and `Sec-Fetch-Site`
 * (sent by every current browser) is checked as a second line. A browser without a
 * session is redirected to the login page; anything else gets 401.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Problem, problemBody } from '../problems.js';
import { tokenMatcher, type Scope } from '../plugins/auth.js';
import { esc, page, sendPage } from './html.js';
import { readCookie, SESSION_MS, sessions, setSessionCookie, type Sessions } from './session.js';

export interface LoginOptions {
  tokens: ReadonlyArray<{ token: string; scope: Scope }>;
  /** Mark the cookie Secure even over plain HTTP (production sits behind TLS). */
  secureCookies: boolean;
}

const HOME = '/admin/dead-letters';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Where to go after login: only a path under /admin on this origin (no open redirect). */
export const safeNext = (next: unknown): string =>
  typeof next === 'string' && /^\/admin(\/[^\\\s]*)?$/.test(next) && !next.startsWith('/admin//') ? next : HOME;

const bearer = (req: FastifyRequest) => /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
const unauthorized = (detail: string) =>
  new Problem(401, 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="l01-admin"' });

function loginPage(next: string, error?: string): string {
  return page(
    'Log in',
    `<h1>Log in</h1>${error ? `<p class="problem">${esc(error)}</p>` : ''}` +
      `<p>Paste the admin token (<code>L01_ADMIN_API_KEY</code>). It is sent once; the browser then keeps a ` +
      `${SESSION_MS / 60_000}-minute session cookie.</p>` +
      `<form method="post" action="/admin/login"><input type="hidden" name="next" value="${esc(next)}">` +
      `<label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus size="48"></label> ` +
      `<button class="act" type="submit">Log in</button></form>`,
    false,
  );
}

/** Parses HTML form posts in the admin context only (the API itself takes JSON only). */
export function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

/** Login and logout routes (public); returns the session checker for the guard. */
export function registerLogin(app: FastifyInstance, o: LoginOptions): Sessions {
  const s = sessions(o.tokens);
  const secure = (req: FastifyRequest) => o.secureCookies || req.protocol === 'https';

  app.get('/admin', { schema: { hide: true } }, (_req, reply) => reply.redirect(HOME, 303));
  app.get('/admin/login', { schema: { hide: true } }, (req, reply) =>
    sendPage(reply, loginPage(safeNext((req.query as Record<string, unknown>).next))));

  app.post('/admin/login', { schema: { hide: true } }, (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const cookie = typeof body.token === 'string' ? s.issue(body.token.trim()) : null;
    if (!cookie) return sendPage(reply, loginPage(next, 'That is not an admin token.'), 401);
    setSessionCookie(reply, cookie, secure(req));
    return reply.redirect(next, 303);
  });

  const logout = (req: FastifyRequest, reply: FastifyReply) => {
    setSessionCookie(reply, '', secure(req));
    return reply.redirect('/admin/login', 303);
  };
  app.post('/admin/logout', { schema: { hide: true } }, logout);
  app.get('/admin/logout', { schema: { hide: true } }, logout);
  return s;
}

/**
 * Answers a refusal itself instead of throwing: Bull Board installs its own error handler
 * in its plugin context, which would turn a thrown 401 into a 500.
 */
const refuse = (req: FastifyRequest, reply: FastifyReply, p: Problem) =>
  reply.code(p.status).headers(p.headers ?? {}).type('application/problem+json').serializer(JSON.stringify)
    .send(problemBody(p, `urn:l01:request:${req.id}`));

/** onRequest hook for every guarded admin route (pages and the queue board). */
export function adminGuard(tokens: LoginOptions['tokens'], s: Sessions) {
  const match = tokenMatcher(tokens);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const token = bearer(req);
    if (token !== null) {
      const caller = match(token);
      if (!caller) return refuse(req, reply, unauthorized('invalid token'));
      if (caller.scope !== 'admin') return refuse(req, reply, new Problem(403, 'Forbidden', 'the admin pages need the admin token'));
      return;
    }
    const cookie = readCookie(req);
    if (cookie !== null && s.verify(cookie)) {
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
  };
}
