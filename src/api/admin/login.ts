/**
 * Admin sign-in for browsers: the login form posts the admin token once and gets a session
 * cookie (auth/session.ts); logout (a POST, from the button on every page) clears it. No
 * GET changes anything here: an `<img src=/admin/logout>` on another page of the same site
 * would otherwise log the operator out. Failed logins count against the client's address
 * like wrong tokens (auth/attempts.ts: 429 past the limit). The pages behind it are
 * guarded by the auth module's page guard.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { setSessionCookie, SESSION_MS, type Auth } from '../auth/index.js';
import { esc, page, sendPage } from './html.js';

export interface LoginOptions {
  auth: Pick<Auth, 'signIn'>;
  /** Mark the cookie Secure even over plain HTTP (production sits behind TLS). */
  secureCookies: boolean;
}

const HOME = '/admin/overview';

/** Where to go after login: only a path under /admin on this origin (no open redirect). */
export const safeNext = (next: unknown): string =>
  typeof next === 'string' && /^\/admin(\/[^\\\s]*)?$/.test(next) && !next.startsWith('/admin//') ? next : HOME;

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

/** Login and logout routes (public). */
export function registerLogin(app: FastifyInstance, o: LoginOptions): void {
  const secure = (req: FastifyRequest) => o.secureCookies || req.protocol === 'https';

  app.get('/admin', { schema: { hide: true } }, (_req, reply) => reply.redirect(HOME, 303));
  app.get('/admin/login', { schema: { hide: true } }, (req, reply) =>
    sendPage(reply, loginPage(safeNext((req.query as Record<string, unknown>).next))));

  app.post('/admin/login', { schema: { hide: true } }, (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const signedIn = o.auth.signIn(req, typeof body.token === 'string' ? body.token.trim() : '');
    if (typeof signedIn !== 'string') {
      const message = signedIn.status === 429 ? `Too many failed attempts from this address: ${signedIn.detail}.` : 'That is not an admin token.';
      return sendPage(reply.headers(signedIn.headers ?? {}), loginPage(next, message), signedIn.status);
    }
    setSessionCookie(reply, signedIn, secure(req));
    return reply.redirect(next, 303);
  });

  app.post('/admin/logout', { schema: { hide: true } }, (req, reply) => {
    setSessionCookie(reply, '', secure(req));
    return reply.redirect('/admin/login', 303);
  });
}
