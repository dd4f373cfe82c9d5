/**
 * Stream retention: the relay leader trims the event streams by age and/or length, and
 * never removes an entry that a consumer group has not read and acknowledged.
 *
 * Stream ids are `<transaction_id>-<position>`, not times, so MINID cannot be computed
 * from a clock: the trimmer reads the oldest entries (their `data.timestamp` is the event's
 * `created_at`) up to the first one the policy keeps, and trims below it. The group rule is
 * applied inside retention.lua, atomically with XTRIM: below the first entry any group has
 * not been delivered, and below the oldest entry any group has pending (delivered, not
 * acknowledged — a consumer may still fail and another reclaim it with XAUTOCLAIM). A
 * stream without groups is trimmed by the policy alone.
 *
 * How it fails: an entry whose timestamp cannot be read counts as new (kept); Redis down
 * makes a pass fail and the next one retry; a pass examines at most MAX_SCAN entries per
 * stream, so a first pass over a long history spreads over several intervals.
 */
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import { sleep } from '../lib/time.js';
import { nextEntryId } from '../wire/entry-id.js';
import { withScript } from './lua.js';

export interface RetentionPolicy {
  /** Entries whose event is older than this may go, ms. 0: no age limit. */
  retentionMs: number;
  /** Entries beyond the newest `maxLen` may go. 0: no length limit. */
  maxLen: number;
}

export const retentionEnabled = (p: RetentionPolicy) => p.retentionMs > 0 || p.maxLen > 0;

const PAGE = 500;
/** Entries examined per stream per pass; a longer excess is trimmed over several passes. */
const MAX_SCAN = 50_000;

/** The event time of an entry, ms; +Infinity (never old) when unreadable. */
function eventTime(fields: string[]): number {
  const i = fields.indexOf('data');
  if (i === -1 || i % 2 !== 0) return Infinity;
  try {
    const t = Date.parse((JSON.parse(fields[i + 1]!) as { timestamp?: string }).timestamp ?? '');
    return Number.isNaN(t) ? Infinity : t;
  } catch {
    return Infinity;
  }
}

type Trim = (key: string, minid: string) => Promise<[string, number]>;

/** Runs retention.lua: the group bound ('' = none), and the entries removed below `minid`. */
async function trimBelow(redis: RedisClient, key: string, minid: string): Promise<{ bound: string; trimmed: number }> {
  const [bound, trimmed] = await withScript<'l01Trim', Trim>(redis, 'l01Trim', 'retention.lua', 1).l01Trim(key, minid);
  return { bound, trimmed: Number(trimmed) };
}

/**
 * Trims one stream by the policy, never past what a consumer group still needs.
 * Returns the number of entries removed.
 */
export async function trimStream(redis: RedisClient, key: string, policy: RetentionPolicy, now = Date.now(), maxScan = MAX_SCAN): Promise<number> {
  if (!retentionEnabled(policy)) return 0;
  // Only the entries below the group bound can go: read no further than that.
  const { bound } = await trimBelow(redis, key, '');
  const excess = policy.maxLen > 0 ? (await redis.xlen(key)) - policy.maxLen : 0;
  const oldest = policy.retentionMs > 0 ? now - policy.retentionMs : -Infinity;
  const end = bound === '' ? '+' : `(${bound}`;
  let start = '-';
  let scanned = 0;
  let lastGoing: string | null = null;
  scan: while (scanned < maxScan) {
    const count = Math.min(PAGE, maxScan - scanned);
    const page = (await redis.xrange(key, start, end, 'COUNT', count)) as Array<[string, string[]]>;
    for (const [id, fields] of page) {
      // Kept when within the length limit and not older than the age limit.
      if (scanned >= excess && eventTime(fields) >= oldest) break scan;
      lastGoing = id;
      scanned += 1;
    }
    if (page.length < count) break;
    start = `(${page.at(-1)![0]}`;
  }
  if (lastGoing === null) return 0;
  return (await trimBelow(redis, key, nextEntryId(lastGoing))).trimmed;
}

export interface TrimmerOptions {
  redis: RedisClient;
  /** The streams to trim (`eventStreamKeys` of the wire contract); consumer dead-letter streams are not among them. */
  streams: readonly string[];
  policy: RetentionPolicy;
  /** Pause between passes, ms. */
  intervalMs: number;
  log: Logger;
  /** Called per stream with the entries a pass removed (metrics). */
  onTrim?: (stream: string, trimmed: number) => void;
  onError?: () => void;
}

export class StreamTrimmer {
  constructor(private readonly o: TrimmerOptions) {}

  /** One pass over every stream; returns the entries removed per stream (only those trimmed). */
  async trimAll(now = Date.now()): Promise<Map<string, number>> {
    const removed = new Map<string, number>();
    for (const stream of this.o.streams) {
      const n = await trimStream(this.o.redis, stream, this.o.policy, now);
      if (n > 0) removed.set(stream, n);
      this.o.onTrim?.(stream, n);
    }
    return removed;
  }

  /** Trims every `intervalMs` until `signal` aborts (the relay leader runs it while it leads). */
  async run(signal: AbortSignal): Promise<void> {
    if (!retentionEnabled(this.o.policy)) return;
    while (!signal.aborted) {
      try {
        const removed = await this.trimAll();
        if (removed.size > 0) this.o.log.info({ trimmed: Object.fromEntries(removed) }, 'streams trimmed');
      } catch (err) {
        this.o.onError?.();
        this.o.log.warn({ err: (err as Error).message }, 'stream trimming failed; retrying next interval');
      }
      await sleep(this.o.intervalMs, signal);
    }
  }
}
