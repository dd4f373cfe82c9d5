/**
 * How the worker processes share the relay partitions (L01_RELAY_PARTITIONS), the way
 * Marten's async daemon and Axon's segments do it, on Postgres advisory locks alone:
 *
 * - Each partition has its own leader lock (leadership.ts relayLockKey), taken on its own
 *   connection: whoever holds it runs that partition's relay. Any worker may hold any.
 * - Each worker also holds a shared "member" lock (MEMBER_LOCK with the partition count in
 *   its high bits) on a connection of its own: the granted member locks in pg_locks are the
 *   live workers. Its fair share is ceil(partitions / members).
 * - A worker tries for a free partition while it holds fewer than its share, and gives one
 *   up (its highest) while it holds more: a second worker starting takes half the
 *   partitions within a few `retryMs`; a worker dying (even SIGKILL) loses its
 *   connections, so its locks, at once, and the others' shares grow to cover them.
 * - A partition nobody has led for `orphanMs` may be taken whatever the share (a worker
 *   counted as a member but unable to lead must not leave it idle).
 * - Workers configured with another partition count are seen (a member or leader lock of
 *   another count): two partitionings at once would publish the same events into two sets
 *   of streams. A worker takes no partition while another count leads, nor, while its own
 *   count leads nothing yet, while another count's workers are members: a misconfigured
 *   newcomer refuses (and says why) while the running workers go on; two counts started
 *   together both wait for the operator. Once every worker of the old count is gone, the
 *   new count takes over (a change of L01_RELAY_PARTITIONS: stop all workers, start them
 *   with the new count).
 *
 * Nothing here is needed for correctness: two leaders of one partition cannot happen (the
 * lock), and a partition changing hands re-publishes at most its batch in flight, which
 * Redis refuses as duplicates (publish.lua).
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { sleep } from '../lib/time.js';
import { partitionsOf, type Partition } from '../wire/names.js';
import { partitionOfLock, RELAY_LOCK_KEY } from './leadership.js';

export const MEMBER_LOCK = 0x4c30_314d; // "L01M"

const memberKey = (count: number) => ((BigInt(count) << 32n) | BigInt(MEMBER_LOCK)).toString();

export interface PartitionLeasesOptions {
  url: string;
  count: number;
  log: Logger;
  /** How often membership and the partitions' leaders are read (and one partition given up if over the share). */
  retryMs: number;
  /** A partition without a leader this long may be taken by any worker. */
  orphanMs: number;
  stop: AbortSignal;
}

/** What one look at pg_locks found: the live workers and leaders of this count and of others. */
interface Survey {
  members: number;
  otherMembers: number;
  otherLeaders: number;
  /** This count's partitions that have a leader (any worker's). */
  led: Set<number>;
}

export class PartitionLeases {
  readonly partitions: Partition[];
  /** Partitions this worker leads, with the function that gives each up. */
  private readonly held = new Map<number, () => void>();
  /** Partitions this worker is trying for right now (counted as held, so two tries cannot overshoot). */
  private readonly trying = new Set<number>();
  private share = 0;
  private conflict = false;
  /** Since when each partition has been seen without a leader (ms since epoch). */
  private readonly freeSince = new Map<number, number>();

  constructor(private readonly o: PartitionLeasesOptions) {
    this.partitions = partitionsOf(o.count);
  }

  /** The gate of one partition's leadership loop (leadership.ts `mayLead`). */
  mayLead(index: number): boolean {
    if (this.conflict || this.share === 0 || this.held.has(index)) return false;
    const load = this.held.size + [...this.trying].filter((i) => i !== index).length;
    const orphaned = Date.now() - (this.freeSince.get(index) ?? Date.now()) >= this.o.orphanMs;
    const ok = load < this.share || orphaned;
    if (ok) this.trying.add(index);
    return ok;
  }

  /** leadership.ts `onTerm`: a term of `index` began (with its release) or ended (null). */
  term(index: number, release: (() => void) | null): void {
    this.trying.delete(index);
    if (release) this.held.set(index, release);
    else this.held.delete(index);
  }

  /** A try for `index` ended without the lock. */
  missed(index: number): void {
    this.trying.delete(index);
  }

  /** Holds this worker's membership and rebalances until stopped. */
  async run(): Promise<void> {
    while (!this.o.stop.aborted) {
      const client = new pg.Client({ connectionString: this.o.url, connectionTimeoutMillis: 3000, query_timeout: 5000, application_name: 'l01-relay-member' });
      const lost = new AbortController();
      client.on('error', () => lost.abort());
      client.on('end', () => lost.abort());
      try {
        await client.connect();
        await client.query('SELECT pg_advisory_lock_shared($1::bigint)', [memberKey(this.o.count)]);
        const signal = AbortSignal.any([lost.signal, this.o.stop]);
        while (!signal.aborted) {
          this.apply(await this.survey(client));
          await sleep(this.o.retryMs, signal);
        }
      } catch (err) {
        if (!this.o.stop.aborted) this.o.log.warn({ err: (err as Error).message }, 'relay membership lost; reconnecting');
      } finally {
        // Without a membership this worker cannot know its share: it keeps what it leads, takes nothing new.
        this.share = 0;
        await client.end().catch(() => {});
      }
      if (!this.o.stop.aborted) await sleep(this.o.retryMs, this.o.stop);
    }
  }

  private async survey(client: pg.Client): Promise<Survey> {
    const { rows } = await client.query<{ classid: number; objid: number }>(
      `SELECT classid::text::bigint AS classid, objid::text::bigint AS objid FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND objid IN ($1::oid, $2::oid)
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [String(RELAY_LOCK_KEY), String(MEMBER_LOCK)],
    );
    const survey: Survey = { members: 0, otherMembers: 0, otherLeaders: 0, led: new Set() };
    for (const r of rows) {
      const classid = Number(r.classid);
      if (Number(r.objid) === MEMBER_LOCK) {
        if (classid === this.o.count) survey.members++;
        else survey.otherMembers++;
      } else {
        const p = partitionOfLock(classid, this.o.count);
        if (p !== null) survey.led.add(p);
        else survey.otherLeaders++;
      }
    }
    return survey;
  }

  private apply(s: Survey): void {
    const now = Date.now();
    for (const p of this.partitions) {
      if (s.led.has(p.index)) this.freeSince.delete(p.index);
      else if (!this.freeSince.has(p.index)) this.freeSince.set(p.index, now);
    }
    const conflict = s.otherLeaders > 0 || (s.otherMembers > 0 && s.led.size === 0);
    if (conflict && !this.conflict) {
      this.o.log.error({ partitions: this.o.count, otherLeaders: s.otherLeaders, otherWorkers: s.otherMembers },
        'relay workers with another L01_RELAY_PARTITIONS are running: this worker takes no partition while they do (every worker must use the same count)');
    }
    this.conflict = conflict;
    this.share = Math.ceil(this.o.count / Math.max(1, s.members));
    if (s.otherLeaders > 0) {
      // Two partitionings are leading at once (started together): neither may go on.
      for (const release of this.held.values()) release();
      return;
    }
    if (this.held.size > this.share) {
      // One at a time, the highest first: the others' tries pick it up before the next goes.
      const index = Math.max(...this.held.keys());
      this.o.log.info({ partition: index, held: this.held.size, share: this.share, workers: s.members }, 'giving a relay partition up to another worker');
      this.held.get(index)!();
    }
  }
}
