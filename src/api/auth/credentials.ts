/**
 * Where a request carries its token. Today: `Authorization: Bearer <token>`. Every check
 * (API routes, admin pages, /metrics, the rate limiter) reads it through this function.
 */
import type { IncomingHttpHeaders } from 'node:http';

const BEARER = /^Bearer +(\S+) *$/i;

/** The presented token, or null when the request carries none. */
export function presentedToken(headers: IncomingHttpHeaders): string | null {
  const m = headers.authorization ? BEARER.exec(headers.authorization) : null;
  return m ? m[1]! : null;
}

/** How to send a token, for the 401 answer. */
export const TOKEN_HINT = 'send Authorization: Bearer <token>';
