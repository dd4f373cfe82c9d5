/**
 * Failed credentials per source (client IP), so that guessing tokens is slow: before this,
 * 3,000 wrong bearer tokens went through in 0.4 s and 3,000 wrong admin logins in 0.8 s.
 *
 *   failure    a presented token that is no key here, or a login with a token that is
 *              not the admin token (no token at all is not a guess)
 *   locked     `max` different wrong tokens from one source within a window of
 *              `windowMs`: until the window ends, that source gets 429 with Retry-After
 *
 * Different ones: guessing is trying new tokens, so the same wrong token sent again (a
 * service retrying a stale key) counts once, and never locks its caller out by itself;
 * it keeps getting the 401 that says what is wrong.
 *
 * A locked source is refused before its credential is judged by anything but identity,
 * and every credential gets the same 429 — a right one as a wrong one — so the lock gives
 * a guesser no answer at all. The one exception keeps valid callers whole: a key that has
 * already succeeded from that source (before the lock) keeps working from it, so a
 * service behind the same address (NAT, or a proxy not named in L01_TRUST_PROXY) is not
 * locked out by a neighbour's guessing. A guesser learns nothing from that exception: to
 * pass, it must present one of those keys, which is the guess it cannot make. A valid key
 * first used from a locked source waits for the window like a wrong one.
 *
 * Successful requests never count. State is in memory per API process (like the rate
 * limiter: a request never waits on Redis), bounded to MAX_SOURCES addresses.
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { Problem } from '../problems.js';
import type { Caller } from './grants.js';
import { keyId } from './keys.js';

export interface AttemptLimits {
  /** Failures per source per window; 0 turns the limit off. */
  max: number;
  windowMs: number;
}

export interface Attempts {
  /** The 429 for a credential of `caller` (null: no key) from `req`'s source while it is locked; else null. */
  refusal(req: FastifyRequest, caller: Caller | null): Problem | null;
  /** `token`, presented from `req`'s source, was wrong. */
  failed(req: FastifyRequest, token: string): void;
  /** `caller`'s key succeeded from `req`'s source: it keeps working there during a lock. */
  succeeded(req: FastifyRequest, caller: Caller): void;
}

interface Source {
  /** Ids (digest prefixes) of the different wrong tokens of the current window, at most `max`. */
  failures: Set<string>;
  windowEnds: number;
  /** Ids of the keys that succeeded from here (a few: a source is one client or one NAT). */
  good: Set<string>;
  seen: number;
}

const MAX_SOURCES = 10_000;
const MAX_GOOD_KEYS = 32;

/** The client address a request counts against: the socket's, or the trusted proxy's word (IPv6 by /64). */
export const sourceOf = (req: FastifyRequest): string => (req.ip ? normalizeIP(req.ip) : 'unknown');

export function attempts(o: AttemptLimits, now: () => number = Date.now): Attempts {
  const sources = new Map<string, Source>();

  const entry = (key: string, t: number): Source => {
    let s = sources.get(key);
    if (!s) {
      if (sources.size >= MAX_SOURCES) evict(t);
      s = { failures: new Set(), windowEnds: 0, good: new Set(), seen: t };
      sources.set(key, s);
    }
    s.seen = t;
    return s;
  };

  // Drops the sources without a lock that were seen least recently; a lock is kept unless
  // every tracked source is locked (then the oldest go: the map stays bounded).
  function evict(t: number) {
    const idle = [...sources].filter(([, s]) => !(s.failures.size >= o.max && t < s.windowEnds)).sort((a, b) => a[1].seen - b[1].seen);
    for (const [key] of idle.slice(0, Math.ceil(MAX_SOURCES / 10))) sources.delete(key);
    for (const key of sources.keys()) {
      if (sources.size < MAX_SOURCES) break;
      sources.delete(key);
    }
  }

  if (o.max === 0) return { refusal: () => null, failed: () => {}, succeeded: () => {} };

  return {
    refusal(req, caller) {
      const t = now();
      const s = sources.get(sourceOf(req));
      if (!s || s.failures.size < o.max || t >= s.windowEnds) return null;
      if (caller && s.good.has(caller.id)) return null;
      const seconds = Math.max(1, Math.ceil((s.windowEnds - t) / 1000));
      return new Problem(429, 'Too Many Requests', `too many failed authentication attempts from this address; retry in ${seconds} s`, undefined, {
        'retry-after': String(seconds),
      });
    },
    failed(req, token) {
      const t = now();
      const s = entry(sourceOf(req), t);
      if (t >= s.windowEnds) {
        s.failures.clear();
        s.windowEnds = t + o.windowMs;
      }
      if (s.failures.size < o.max) s.failures.add(keyId(token));
    },
    succeeded(req, caller) {
      const s = entry(sourceOf(req), now());
      if (s.good.has(caller.id)) return;
      if (s.good.size >= MAX_GOOD_KEYS) s.good.delete(s.good.values().next().value!);
      s.good.add(caller.id);
    },
  };
}
