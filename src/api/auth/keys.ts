/**
 * The key store: every token the service accepts, with what it may do, compared in
 * constant time. A presented token and every configured one are compared as SHA-256
 * digests with `timingSafeEqual`, against all of them without stopping at a match, so the
 * time taken says nothing about how much of a token was right or which one matched.
 *
 * Scopes:
 *   user     the API (`L01_API_KEY`, `L01_API_KEYS`)
 *   admin    the API, the operator routes and pages, /metrics (`L01_ADMIN_API_KEY`; the
 *            development tokens outside production)
 *   metrics  /metrics and nothing else (`L01_METRICS_TOKEN`: give Prometheus this one)
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type Scope = 'user' | 'admin' | 'metrics';

export interface Caller {
  /** The scope of the key that matched. */
  scope: Scope;
  /** Stable, non-secret id of the key (`key:` + first 12 hex of its digest), for event metadata and rate limits. */
  id: string;
}

export interface KeySpec {
  token: string;
  scope: Scope;
}

/** What a key of each scope may call. */
const GRANTS: Record<Scope, readonly Scope[]> = {
  user: ['user'],
  admin: ['user', 'admin', 'metrics'],
  metrics: ['metrics'],
};

/** True when a key of scope `has` may call a route that needs `needs`. */
export const grants = (has: Scope, needs: Scope): boolean => GRANTS[has].includes(needs);

const digest = (token: string) => createHash('sha256').update(token).digest();

/** The first 12 hex of a token's digest: names it without revealing it. */
export const keyId = (token: string): string => digest(token).toString('hex').slice(0, 12);

export interface KeyStore {
  /** The caller a token belongs to, or null. Every configured key is compared, in constant time. */
  identify(token: string): Caller | null;
  /** The admin tokens, for signing browser sessions (session.ts). */
  readonly adminTokens: readonly string[];
}

export function keyStore(keys: readonly KeySpec[]): KeyStore {
  const known = keys.map((k) => ({ hash: digest(k.token), scope: k.scope }));
  const rank = (s: Scope) => (s === 'admin' ? 2 : s === 'user' ? 1 : 0);
  return {
    identify(token) {
      const hash = digest(token);
      let found: Scope | null = null;
      for (const k of known) {
        // No early exit: every comparison runs. The same token configured twice counts at its widest scope.
        if (timingSafeEqual(hash, k.hash) && (found === null || rank(k.scope) > rank(found))) found = k.scope;
      }
      return found === null ? null : { scope: found, id: `key:${hash.toString('hex').slice(0, 12)}` };
    },
    adminTokens: keys.filter((k) => k.scope === 'admin').map((k) => k.token),
  };
}
