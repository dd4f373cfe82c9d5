/**
 * Where a request carries its token, as the original service read it (and this one has
 * always read the bearer form):
 *
 *   X-API-Key: <key>                  first, when present and not empty
 *   Authorization: Bearer <key>       otherwise
 *   Authorization: <key>              a bare key (no scheme), as the original accepted
 *
 * Every check (API routes, the original's routes, admin pages, /metrics, the rate limiter)
 * reads the token through this function. A wrong X-API-Key is not rescued by a right
 * bearer token: the key the request names first is the one it is judged by.
 */
import type { IncomingHttpHeaders } from 'node:http';

const BEARER = /^Bearer +(\S+) *$/i;
const BARE = /^\S+$/;

/** The presented token, or null when the request carries none. */
export function presentedToken(headers: IncomingHttpHeaders): string | null {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  const authorization = headers.authorization?.trim();
  if (!authorization) return null;
  const bearer = BEARER.exec(authorization);
  if (bearer) return bearer[1]!;
  return BARE.test(authorization) ? authorization : null;
}

/** How to send a token, for the 401 answer. */
export const TOKEN_HINT = 'send X-API-Key: <token> or Authorization: Bearer <token>';
