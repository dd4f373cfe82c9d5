/**
 * `from` / `to` / `bucket` query parameters of the time-range routes (metric aggregates,
 * model usage). The per-field checks are zod schemas; the checks across fields (from before
 * to, a bounded number of buckets) are here and answer 400 naming the field, like zod would.
 */
import { z } from 'zod';
import { Problem } from './problems.js';
import { storableInstant } from './schemas.js';

// Storable: year 0000 or a +16:00 offset would otherwise reach Postgres and fail there, unnamed.
export const instant = () => storableInstant().describe('ISO 8601 with a UTC offset, e.g. 2024-05-01T00:00:00Z.');

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
export const MAX_BUCKETS = 10_000;

export const bucketSchema = z
  .string()
  .regex(/^[1-9]\d{0,4}[smhd]$/, 'must be a number and a unit s, m, h or d, e.g. 5m, 1h, 1d')
  .describe('Bucket width: a number and a unit (s, m, h, d), e.g. 30s, 5m, 1h, 1d.');

export const bucketSeconds = (bucket: string) => Number(bucket.slice(0, -1)) * UNIT_SECONDS[bucket.slice(-1) as keyof typeof UNIT_SECONDS];

export function badQuery(field: string, message: string): Problem {
  return new Problem(400, 'Bad Request', `querystring.${field}: ${message}`, [{ field: `querystring.${field}`, message }]);
}

/** `from` must be before `to`; either may be absent (an open end). */
export function checkOrder(from: string | undefined, to: string | undefined): void {
  if (from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to)) throw badQuery('from', 'must be before to');
}

/**
 * The closed range an aggregate covers: `to` defaults to now, `from` to 24 hours before
 * `to`. Normalised to UTC ISO strings.
 */
export function aggregateRange(from: string | undefined, to: string | undefined, bucket: string, now = Date.now()) {
  // `to` is exclusive and has millisecond precision, while Postgres stamps microseconds: the
  // default ends after the current millisecond, so a metric recorded in it is counted.
  const end = to === undefined ? now + 1 : Date.parse(to);
  const start = from === undefined ? end - 86_400_000 : Date.parse(from);
  if (start >= end) throw badQuery('from', to === undefined ? 'must be in the past (to defaults to now)' : 'must be before to');
  const seconds = bucketSeconds(bucket);
  if ((end - start) / 1000 / seconds > MAX_BUCKETS) throw badQuery('bucket', `makes more than ${MAX_BUCKETS} buckets over from..to; widen it or narrow the range`);
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString(), bucketSeconds: seconds };
}
