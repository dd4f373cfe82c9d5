/**
 * JWT bearer tokens (RFC 7519, signed: JWS compact), verified with jose against the
 * issuer's key set: fetched from L01_JWT_JWKS_URL, or given (L01_JWT_JWKS, L01_JWT_JWKS_FILE).
 *
 *   signature      a key of the set, by `kid`, with an algorithm of L01_JWT_ALGORITHMS
 *                  (asymmetric only: never `none`, never HS*: a key set holds public keys)
 *   iss, aud       must be L01_JWT_ISSUER and one of L01_JWT_AUDIENCE
 *   exp, nbf       exp required; both with L01_JWT_CLOCK_TOLERANCE_S of clock skew
 *   sub            required: the caller is `jwt:<sub>` (one issuer, so `sub` is unambiguous)
 *   scope / scp    the caller's grants (grants.ts)
 *
 * The fetched set is cached L01_JWT_JWKS_CACHE_MS. A token with a `kid` the cache does not
 * hold makes jose fetch the set again, at most once per L01_JWT_JWKS_COOLDOWN_MS: a key the
 * issuer adds is picked up by its first token, and a key it removes stops working at the
 * next fetch (an unknown `kid`, or the cache expiring). So rotation needs no restart; an
 * issuer should publish a new key a cooldown before signing with it.
 *
 * A set that cannot be fetched (down, timeout after L01_JWT_JWKS_TIMEOUT_MS, not 200, not
 * a key set) is a dependency failing: the last set fetched goes on verifying until it is
 * L01_JWT_JWKS_MAX_STALE_MS old (an issuer's outage must not lock every caller out the
 * moment the cache expires), and past that, or with none, 503, not the caller's failed
 * credential. Anything wrong with the token itself is a 401 naming what (expired, issuer,
 * audience…), never the expected values or the verification error's text.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwksCache, jwtVerify, type ExportedJWKSCache, type JWKSCacheInput, type JWTVerifyGetKey } from 'jose';
import type { JwtConfig } from '../../config.js';
import { unavailable, type Problem } from '../problems.js';
import { grantsOfClaims, type Caller } from './grants.js';

/**
 * What a JWT proved: a caller; or why it is refused (the 401's detail: a failed credential
 * for attempts.ts); or that its key set could not be had (the 503, with the cause to log).
 */
export type JwtVerdict = { caller: Caller } | { refused: string } | { unavailable: Problem; cause: string };

/** A token shaped like a JWS compact serialization: a base64url JSON header (`{"…`), payload, signature (empty for `none`). */
const COMPACT_JWS = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
export const looksLikeJwt = (token: string): boolean => COMPACT_JWS.test(token);

/** A `sub` usable as an id in event metadata: printable, bounded. */
// 196: `jwt:` + sub fits the 200 characters a caller id is stored in (idempotency_keys.caller).
const SUBJECT = /^[\x21-\x7e]{1,196}$/;

class JwksUnavailable extends Error {}

/** Where the key set's outages are told (the app's logger). */
export interface JwksLog {
  warn(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
}

/** While the issuer is down and a stale set serves, it is fetched again in the background this often. */
const OUTAGE_RETRY_MS = 1000;

/** Fetching the set failed, as opposed to a token no key of it matches (the token's problem). */
const fetchFailed = (err: unknown) =>
  !(err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported);

/**
 * The fetched key set, its fetch failures told apart from what is wrong with a token.
 *
 * When a fetch fails, the last set fetched (if younger than L01_JWT_JWKS_MAX_STALE_MS)
 * verifies instead, and from then on requests do not wait on the issuer: the set is fetched
 * in the background at most once a second, and the first fetch that succeeds ends the
 * outage. A `kid` the stale set lacks may be a key the issuer has added since: 503, not 401.
 */
function remoteKeys(url: URL, c: JwtConfig, log?: JwksLog): JWTVerifyGetKey {
  // jose writes each set it fetches, with the time, into this (its persisted-cache option).
  const fetched: Partial<ExportedJWKSCache> = {};
  const where = url.origin + url.pathname; // not its query: it may carry a credential
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: c.jwksTimeoutMs, cooldownDuration: c.jwksCooldownMs, cacheMaxAge: c.jwksCacheMs, [jwksCache]: fetched as JWKSCacheInput,
  });
  let outage: { since: number; cause: string; fetchedAt: number | undefined; retryAt: number } | null = null;
  let stale: { at: number; keys: JWTVerifyGetKey } | null = null;

  /** The last fetched set as a local one, while it may still stand in for the issuer. */
  const staleKeys = (): JWTVerifyGetKey | null => {
    const at = fetched.uat;
    if (at === undefined || !fetched.jwks || c.jwksMaxStaleMs === 0 || Date.now() - at > c.jwksMaxStaleMs) return null;
    if (stale?.at !== at) stale = { at, keys: createLocalJWKSet(fetched.jwks) };
    return stale.keys;
  };
  const ended = () => {
    if (!outage || fetched.uat === outage.fetchedAt) return;
    log?.info({ jwks: where, down_ms: Date.now() - outage.since }, 'JWT key set fetched again');
    outage = null;
  };
  const verifyStale = async (keys: JWTVerifyGetKey, header: Parameters<JWTVerifyGetKey>[0], token: Parameters<JWTVerifyGetKey>[1]) => {
    try {
      return await keys(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) throw new JwksUnavailable(`${outage!.cause}; the set fetched before has no key for this token`, { cause: err });
      throw err;
    }
  };

  return async (header, token) => {
    const keys = outage && !remote.fresh ? staleKeys() : null;
    if (keys) {
      if (Date.now() >= outage!.retryAt) {
        outage!.retryAt = Date.now() + OUTAGE_RETRY_MS;
        remote.reload().then(ended, () => {});
      }
      return verifyStale(keys, header, token);
    }
    try {
      const key = await remote(header, token);
      ended();
      return key;
    } catch (err) {
      if (!fetchFailed(err)) throw err;
      const cause = (err as Error).message;
      const fallback = staleKeys();
      if (!outage) {
        outage = { since: Date.now(), cause, fetchedAt: fetched.uat, retryAt: Date.now() + OUTAGE_RETRY_MS };
        if (fallback) log?.warn({ jwks: where, cause, fetched_at: new Date(fetched.uat!).toISOString() }, 'JWT key set unavailable: verifying with the set fetched before');
      }
      if (!fallback) throw new JwksUnavailable(cause, { cause: err });
      return verifyStale(fallback, header, token);
    }
  };
}

function refusal(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `token has no ${err.claim} claim`;
    if (err.claim === 'nbf') return 'token not yet valid';
    if (err.claim === 'iss') return 'token issuer not accepted';
    if (err.claim === 'aud') return 'token audience not accepted';
    return `token claim ${err.claim} not accepted`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'token algorithm not accepted';
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return 'token signature not verified by any key of the issuer';
  }
  return 'invalid token';
}

export type JwtVerifier = (token: string) => Promise<JwtVerdict>;

export function jwtVerifier(c: JwtConfig, log?: JwksLog): JwtVerifier {
  const keys = 'url' in c.jwks ? remoteKeys(c.jwks.url, c, log) : createLocalJWKSet(c.jwks.keys);
  const options = {
    issuer: c.issuer,
    audience: c.audience,
    algorithms: c.algorithms,
    clockTolerance: c.clockToleranceS,
    requiredClaims: ['exp', 'sub'],
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, options);
      if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub)) return { refused: 'token sub claim not usable' };
      return { caller: { id: `jwt:${payload.sub}`, grants: grantsOfClaims(payload.scope, payload.scp) } };
    } catch (err) {
      if (err instanceof JwksUnavailable) return { unavailable: unavailable("the token issuer's key set (L01_JWT_JWKS_URL)"), cause: err.message };
      return { refused: refusal(err) };
    }
  };
}
