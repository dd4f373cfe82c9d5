/**
 * How a browser proves it holds the admin token without putting it in a URL: it posts the
 * token once to `POST /admin/login` and gets a short-lived session cookie.
 *
 *   l01_admin=v1.<token id>.<expires ms>.<HMAC-SHA256 of "<token id>.<expires>", keyed by the token>
 *
 * The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page or
 * link makes the browser send it, which is what stops cross-site request forgery), scoped
 * to Path=/admin, Secure over HTTPS and always in production, and valid SESSION_MS. It is
 * stateless, so it works across API processes; rotating the admin token invalidates every
 * session made with the old one. Nothing is stored server-side, so "log out" clears the
 * cookie in that browser; a stolen cookie works until it expires (SESSION_MS).
 *
 * Scripts and curl keep using `Authorization: Bearer <admin token>` on the same pages.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../plugins/auth.js';

export const COOKIE = 'l01_admin';
export const SESSION_MS = 15 * 60_000;

interface AdminKey {
  id: string;
  token: string;
}

const idOf = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);
const macOf = (token: string, payload: string) =>
  createHmac('sha256', createHash('sha256').update(`l01-admin-session\0${token}`).digest()).update(payload).digest('base64url');

export interface Sessions {
  /** The cookie value for an admin token, or null when the token is not an admin token. */
  issue(token: string, now?: number): string | null;
  /** True when the cookie value is a valid, unexpired session. */
  verify(value: string, now?: number): boolean;
}

export function sessions(tokens: ReadonlyArray<{ token: string; scope: Scope }>): Sessions {
  const keys: AdminKey[] = tokens.filter((t) => t.scope === 'admin').map((t) => ({ id: idOf(t.token), token: t.token }));
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return {
    issue(token, now = Date.now()) {
      // Compared as digests, every key, no early exit (as the auth plugin does).
      let found: AdminKey | null = null;
      for (const k of keys) if (timingSafeEqual(digest(k.token), digest(token))) found = k;
      if (!found) return null;
      const payload = `${found.id}.${now + SESSION_MS}`;
      return `v1.${payload}.${macOf(found.token, payload)}`;
    },
    verify(value, now = Date.now()) {
      const m = /^v1\.([0-9a-f]{12})\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (!m || Number(m[2]) <= now) return false;
      const key = keys.find((k) => k.id === m[1]);
      if (!key) return false;
      return timingSafeEqual(Buffer.from(macOf(key.token, `${m[1]}.${m[2]}`)), Buffer.from(m[3]!));
    },
  };
}

export function readCookie(req: FastifyRequest, name = COOKIE): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i !== -1 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

export function setSessionCookie(reply: FastifyReply, value: string, secure: boolean): void {
  const attrs = ['Path=/admin', 'HttpOnly', 'SameSite=Strict', `Max-Age=${value ? SESSION_MS / 1000 : 0}`];
  if (secure) attrs.push('Secure');
  reply.header('set-cookie', `${COOKIE}=${value}; ${attrs.join('; ')}`);
}
