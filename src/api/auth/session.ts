/**
 * How a browser proves it holds the admin token without putting it in a URL: it posts the
 * token once to `POST /admin/login` and gets a short-lived session cookie,
 *
 *   l01_admin=<key id>.<expires ms>.<signature>
 *
 * signed by @fastify/cookie's signer (HMAC-SHA256) with keys derived from the admin tokens,
 * so rotating the admin token ends every session made with the old one. The cookie is
 * HttpOnly (no script reads it), SameSite=Strict (no other site's page or link makes the
 * browser send it, which is what stops cross-site request forgery), scoped to Path=/admin,
 * Secure over HTTPS and always in production, and valid SESSION_MS. It is stateless, so it
 * works across API processes; "log out" clears the cookie in that browser, and a stolen
 * cookie works until it expires.
 *
 * Scripts and curl keep using `Authorization: Bearer <admin token>` on the same pages.
 */
import { createHash } from 'node:crypto';
import { signerFactory } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import { keyId, type KeyStore } from './keys.js';

export const COOKIE = 'l01_admin';
export const SESSION_MS = 15 * 60_000;

export interface Sessions {
  /** The cookie value for an admin token, or null when the token is not an admin token. */
  issue(token: string, now?: number): string | null;
  /** True when the cookie value is a valid, unexpired session of a current admin token. */
  verify(value: string, now?: number): boolean;
}

const sessionKey = (token: string) => createHash('sha256').update(`l01-admin-session\0${token}`).digest('hex');

export function sessions(keys: Pick<KeyStore, 'adminKeys' | 'identify'>): Sessions {
  // A session ends when its key expires (L01_KEYS), as well as after SESSION_MS.
  const adminExpiry = new Map(keys.adminKeys.map((k) => [keyId(k.token), k.expires?.getTime() ?? Infinity]));
  const signer = keys.adminKeys.length > 0 ? signerFactory(keys.adminKeys.map((k) => sessionKey(k.token))) : null;
  return {
    issue(token, now = Date.now()) {
      const key = keys.identify(token, now);
      if (!signer || !key || key.expired || !key.caller.grants.admin) return null;
      return signer.sign(`${keyId(token)}.${now + SESSION_MS}`);
    },
    verify(value, now = Date.now()) {
      const unsigned = signer?.unsign(value);
      if (!unsigned?.valid || unsigned.value === null) return false;
      const m = /^([0-9a-f]{12})\.(\d{1,16})$/.exec(unsigned.value);
      return m !== null && (adminExpiry.get(m[1]!) ?? 0) > now && Number(m[2]) > now;
    },
  };
}

export function setSessionCookie(reply: FastifyReply, value: string, secure: boolean): void {
  reply.setCookie(COOKIE, value, { path: '/admin', httpOnly: true, sameSite: 'strict', maxAge: value ? SESSION_MS / 1000 : 0, secure });
}
