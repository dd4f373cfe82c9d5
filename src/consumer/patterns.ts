/**
 * Event-type patterns as Redis reads them in PSUBSCRIBE, for the entries a pub/sub listener
 * catches up on from the stream: they must match exactly the messages the subscription
 * would have delivered.
 *
 * This is Redis's own matcher (`stringmatchlen` in util.c: `*`, `?`, `[abc]`, `[^a]`,
 * `[a-z]`, `\` escapes, on bytes), ported line by line, because no glob library reads
 * patterns the way Redis does: picomatch and minimatch treat `/` as a path separator that
 * `*` does not cross, and differ on edge cases such as an unclosed `[`. The port is checked
 * against a real PSUBSCRIBE over generated patterns (tests/consumer.patterns.test.ts).
 */

import { channelName } from '../wire/names.js';

/** Whether `subject` matches the Redis glob `pattern` (both compared as UTF-8 bytes). */
export function redisGlobMatch(pattern: string, subject: string): boolean {
  return match(Buffer.from(pattern), 0, Buffer.from(subject), 0, { skipLonger: false });
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

/** stringmatchlen_impl, with `p`/`s` as offsets; a byte past the end reads as 0 (C's terminator). */
function match(pat: Buffer, p: number, str: Buffer, s: number, state: { skipLonger: boolean }): boolean {
  const at = (i: number) => (i < pat.length ? pat[i]! : 0);
  while (p < pat.length && s < str.length) {
    switch (pat[p]) {
      case STAR: {
        while (p + 1 < pat.length && pat[p + 1] === STAR) p++;
        if (p === pat.length - 1) return true;
        while (s < str.length) {
          if (match(pat, p + 1, str, s, state)) return true;
          if (state.skipLonger) return false;
          s++;
        }
        state.skipLonger = true;
        return false;
      }
      case QUESTION:
        s++;
        break;
      case OPEN: {
        p++;
        const not = at(p) === CARET;
        if (not) p++;
        let matched = false;
        for (;;) {
          if (at(p) === BACKSLASH && pat.length - p >= 2) {
            p++;
            if (pat[p] === str[s]) matched = true;
          } else if (at(p) === CLOSE) {
            break;
          } else if (p >= pat.length) {
            p--;
            break;
          } else if (pat.length - p >= 3 && pat[p + 1] === DASH) {
            let start = pat[p]!;
            let end = pat[p + 2]!;
            if (start > end) [start, end] = [end, start];
            p += 2;
            if (str[s]! >= start && str[s]! <= end) matched = true;
          } else if (pat[p] === str[s]) {
            matched = true;
          }
          p++;
        }
        if (not) matched = !matched;
        if (!matched) return false;
        s++;
        break;
      }
      case BACKSLASH:
        if (pat.length - p >= 2) p++;
      // falls through
      default:
        if (pat[p] !== str[s]) return false;
        s++;
        break;
    }
    p++;
    if (s === str.length) {
      while (at(p) === STAR) p++;
      break;
    }
  }
  return p >= pat.length && s === str.length;
}

/**
 * A test for event types against the patterns of a subscription (any of them), made on
 * whole channel names as PSUBSCRIBE does (`events:*` matches `events:`, `*` does not match '').
 */
export function eventTypeMatcher(patterns: readonly string[], channelPrefix = ''): (eventType: string) => boolean {
  const channels = patterns.map((p) => channelName(p, channelPrefix));
  return (eventType) => {
    const subject = channelName(eventType, channelPrefix);
    return channels.some((c) => redisGlobMatch(c, subject));
  };
}
