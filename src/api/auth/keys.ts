/**
 * The key store: every static token the service accepts, with what it may do, compared in
 * constant time. A presented token and every configured one are compared as SHA-256
 * digests with `timingSafeEqual`, against all of them without stopping at a match, so the
 * time taken says nothing about how much of a token was right or which one matched.
 *
 * Scopes (grants.ts says what each may do):
 *   user     the API (`L01_API_KEY`, `L01_API_KEYS`, `L01_DEFAULT_API_KEY`, L01_KEYS)
 *   admin    the API, the operator routes and pages, /metrics (`L01_ADMIN_API_KEY`; the
 *            development tokens outside production)
 *   metrics  /metrics and nothing else (`L01_METRICS_TOKEN`: give Prometheus this one)
 *
 * Rotation: L01_KEYS gives each key an id (the caller id its events record) and an optional
 * expiry; several keys are valid at once, so a new one is deployed before the old one's
 * expiry, and an expired one is refused from that instant, without a restart.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { grantsOfScope, type Caller, type Scope } from './grants.js';

export interface KeySpec {
  token: string;
  scope: Scope;
  /** Names the key in event metadata (`key:<id>`); default: the first 12 hex of its digest. */
  id?: string;
  /** From this instant the key is refused. */
  expires?: Date;
}

/** A presented token that is a configured key: its caller, and whether the key has expired. */
export interface KeyMatch {
  caller: Caller;
  expired: boolean;
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/** The first 12 hex of a token's digest: names it without revealing it. */
export const keyId = (token: string): string => digest(token).toString('hex').slice(0, 12);

export interface KeyStore {
  /** The key a token is, or null. Every configured key is compared, in constant time. */
  identify(token: string, now?: number): KeyMatch | null;
  /** The admin keys, for signing browser sessions (session.ts). */
  readonly adminKeys: ReadonlyArray<Pick<KeySpec, 'token' | 'expires'>>;
}

const rank = (s: Scope) => (s === 'admin' ? 2 : s === 'user' ? 1 : 0);

export function keyStore(keys: readonly KeySpec[]): KeyStore {
  const known = keys.map((k) => ({ ...k, hash: digest(k.token), expiresAt: k.expires?.getTime() ?? Infinity }));
  return {
    identify(token, now = Date.now()) {
      const hash = digest(token);
      let found: (typeof known)[number] | null = null;
      for (const k of known) {
        // No early exit: every comparison runs. The same token configured twice counts as
        // its best entry: unexpired first, then the widest scope.
        if (!timingSafeEqual(hash, k.hash)) continue;
        const better = found === null || (k.expiresAt > now) > (found.expiresAt > now)
          || ((k.expiresAt > now) === (found.expiresAt > now) && rank(k.scope) > rank(found.scope));
        if (better) found = k;
      }
      if (found === null) return null;
      return {
        caller: { id: `key:${found.id ?? hash.toString('hex').slice(0, 12)}`, grants: grantsOfScope(found.scope) },
        expired: found.expiresAt <= now,
      };
    },
    adminKeys: keys.filter((k) => k.scope === 'admin').map((k) => ({ token: k.token, expires: k.expires })),
  };
}
