/**
 * The relay: while this process leads, claim committed outbox rows in commit-safe order,
 * hand each batch to a publish job (workers/publish-job.ts), wait for it, then delete the
 * rows and advance the checkpoint. Exactly one batch is in flight, so events leave in
 * order even across retries.
 *
 * How it fails, and what happens:
 * - Relay killed mid-batch: the rows are still in the outbox; the next leader re-publishes
 *   them and Redis refuses the entries it already has (publish.lua), so nothing doubles.
 * - Redis down / OOM / loading: the job cannot run or keeps failing for a reason that is
 *   not an event's (a `systemic` outcome); the relay waits with capped backoff and
 *   re-submits. Nothing is dead-lettered for it.
 * - Postgres down: claim or delete fails; the relay backs off; leadership is re-acquired
 *   once the leader connection is back.
 * - An event failing on its own (over the message limit, a stream conflict): the publisher
 *   fails its job at once (BullMQ's UnrecoverableError: a retry would fail the same way);
 *   the events before it are completed, it goes to dead_letters, the relay carries on.
 * - Redis lost stream data (restarted empty or from an older snapshot, keys evicted): the
 *   publish job refuses to append above the gap; the relay heals the streams from the log
 *   (outbox/healing.ts) and goes on. It also audits the streams on each Redis reconnect,
 *   after an eviction, and every `auditMs`, and says so on its connection (leadership.ts).
 * - Big events: a batch is bounded by bytes as well as by count (sql.ts), so however big
 *   the backlog's rows, the worker holds one budget's worth at a time (one event alone when
 *   it is bigger).
 */
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { endPublishSpan, startPublishSpan } from '../telemetry/publish-span.js';
import { tracingActive } from '../telemetry/tracing.js';
import { sleep } from '../lib/time.js';
import { formatEntryId, ZERO_ENTRY, type EntryId } from '../wire/entry-id.js';
import type { PublishOutcome } from '../workers/publish-job.js';
import type { PublishJob, PublishResult } from '../workers/queue.js';
import type { BatchHandoff } from './batches.js';
import type { StreamHealer } from './healing.js';
import { advertise, STREAMS_BEHIND, type LeaderContext } from './leadership.js';
import { watchOutboxStatistics } from './plans.js';
import { OUTBOX_CHANNEL, Waker } from './signal.js';
import { claimBatch, completeBatch, deadLetter, keyOf, type BatchBounds, type ClaimedEvent } from './sql.js';
import { outboxStatus } from './status.js';
import { SOLE_PARTITION, type Partition } from '../wire/names.js';

export interface RelayOptions {
  db: Queryable;
  /** Shared with this process's publisher: the claimed messages reach it in memory. */
  batches: BatchHandoff;
  /** Runs one publish job to its outcome (workers/publish-job.ts). */
  publish: (job: PublishJob) => Promise<PublishOutcome>;
  log: Logger;
  batchSize: number;
  /** Byte bound of a batch (payload + metadata) and the message limit (sql.ts). */
  bounds: BatchBounds;
  pollMs: number;
  /** Under load, the least time between two jobs' submissions (see LINGER_FROM); 0: none. */
  lingerMs?: number;
  lagWarnMs: number;
  /** Compares the streams with what was published and heals what Redis lost; none: no checks. */
  healer?: StreamHealer;
  /** Audit the streams at least this often, ms. */
  auditMs?: number;
  /** Observes the relay (Prometheus counters in the worker); optional, never changes what it does. */
  metrics?: RelayMetrics;
  /** The partition this relay publishes (default: the only one): its outbox rows, checkpoint and streams. */
  partition?: Partition;
  /** The global stream's key: names each batch's span while tracing is on (telemetry/publish-span.ts). */
  destination?: string;
}

/** What the relay reports, at the points where it happens. Durations in seconds. */
export interface RelayMetrics {
  leading(isLeader: boolean): void;
  claimed(events: number, seconds: number, bytes: number): void;
  published(events: number, result: PublishResult, seconds: number): void;
  deadLettered(eventType: string): void;
  /** A step failed for a reason outside the events (Redis or Postgres away): backing off and retrying. */
  stepFailed(): void;
}

const since = (start: number) => (performance.now() - start) / 1000;

/**
 * A batch this big that did not fill up means events arrive faster than one per job: the
 * relay is under sustained load and lets the next batch gather for `lingerMs`. Below it
 * (the paced 300 writes/s of the latency benchmark run in batches of 1–3) it never waits.
 * Measured at 16 connections of POST /api/agents (npm start): 450 jobs/s of ~9 events each
 * cost the worker 0.43 of a core and Redis 0.20, about 1 ms of CPU per job. Write
 * throughput by linger, same run: 5 ms 6,400–6,900 req/s, 10 ms 7,700, 15 ms 7,900–8,000,
 * 30 ms 8,400. The default, 10 ms, is what an event may wait under such load.
 */
const LINGER_FROM = 8;
const MAX_BACKOFF_MS = 5_000;

const bytesOf = (batch: readonly ClaimedEvent[]) => batch.reduce((n, e) => n + (e.oversize ? 0 : e.bytes ?? 0), 0);

/**
 * A promise whose rejection is already handled, so it may wait unobserved while other work
 * runs, and still rejects where it is finally awaited. Without the handler, a rejection
 * that lands before the `await` (Postgres restarting while a job runs) is an unhandled
 * rejection, and the process's handler closes the worker.
 */
function observed<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

export class Relay {
  private readonly waker = new Waker();
  /** An audit of the streams is due (a reconnect, an eviction, a batch found a stream behind). */
  private auditDue = true;
  private nextAudit = 0;
  private note: string | null = null;
  /** Rows the next claim measures (see claim). */
  private limit: number;

  private readonly partition: Partition;

  constructor(private readonly o: RelayOptions) {
    this.limit = o.batchSize;
    this.partition = o.partition ?? SOLE_PARTITION;
  }

  /** Asks the leader to compare the streams with the log soon (Redis reconnected, keys were evicted). */
  requestAudit(): void {
    this.auditDue = true;
    this.waker.wake();
  }

  /** Runs until leadership ends. */
  async lead({ client, signal }: LeaderContext): Promise<void> {
    client.on('notification', (n) => n.channel === OUTBOX_CHANNEL && this.waker.wake());
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    const lagWatch = setInterval(() => void this.warnIfHeldBack(), Math.max(1000, this.o.lagWarnMs / 2));
    // A backlog the planner has not seen yet (a burst of writes, a new database) is claimed
    // with a plan that scans all of it: its statistics are looked at before the first claim
    // and every second (plans.ts).
    const statistics = watchOutboxStatistics(this.o.db, this.o.log);
    await statistics.first;
    let backoff = 50;
    this.o.metrics?.leading(true);
    this.auditDue = true;
    this.note = null;
    try {
      while (!signal.aborted) {
        try {
          if (this.auditWanted()) await this.audit(client);
          const progressed = await this.drain(signal);
          backoff = 50;
          if (!progressed) await this.waker.wait(this.waitMs(), signal);
        } catch (err) {
          this.o.log.warn({ err: (err as Error).message, retryInMs: backoff }, 'relay step failed; backing off');
          this.o.metrics?.stepFailed();
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      }
    } finally {
      clearInterval(lagWatch);
      statistics.stop();
      this.o.healer?.stop();
      this.o.metrics?.leading(false);
    }
  }

  private auditWanted(): boolean {
    return this.o.healer !== undefined && (this.auditDue || !this.o.healer.ready || Date.now() >= this.nextAudit);
  }

  /** Idle: until the next poll, or the next audit if that comes first. */
  private waitMs(): number {
    if (!this.o.healer) return this.o.pollMs;
    return Math.max(1, Math.min(this.o.pollMs, this.nextAudit - Date.now()));
  }

  /**
   * Compares every stream with what the relay published and heals those behind, saying
   * so on the leader's connection while it does (readiness reads it there).
   */
  private async audit(client: LeaderContext['client']): Promise<void> {
    const healer = this.o.healer!;
    if (!healer.ready) await healer.start();
    const states = await healer.inspect();
    if (states.some((s) => !s.reached)) {
      await this.say(client, STREAMS_BEHIND);
      await healer.heal(states);
    }
    await this.say(client, null);
    this.auditDue = false;
    this.nextAudit = Date.now() + (this.o.auditMs ?? 5000);
  }

  private async say(client: LeaderContext['client'], note: string | null): Promise<void> {
    if (note === this.note) return;
    await advertise(client, note, this.partition);
    this.note = note;
  }

  /**
   * Publishes batches until nothing below the horizon is left; false when there was
   * nothing to do. One publish job is in flight at a time (events leave in log order), and
   * the database work hides behind it. Per turn of the loop, batch N is published while:
   *   - batch N+1 is claimed, strictly after N's last key (`ahead`), after the linger —
   *     unless N is heavy (half its byte budget or more): then after N, so the worker
   *     never holds two budgets' worth of rows;
   *   - batch N-1's rows are deleted and the checkpoint advanced (`completing`).
   * Both are awaited before N+1 goes out, so the checkpoint only moves forward and one
   * DELETE runs at a time. A crash anywhere leaves rows that are published again, and
   * refused by Redis as duplicates.
   */
  private async drain(signal: AbortSignal): Promise<boolean> {
    let batch = await this.claim(ZERO_ENTRY);
    if (batch.length === 0) return false;
    let after = ZERO_ENTRY;
    let completing: Promise<void> = Promise.resolve();
    try {
      while (batch.length > 0 && !signal.aborted) {
        const started = performance.now();
        const publishing = this.publish(batch, after);
        after = keyOf(batch.at(-1)!);
        // A heavy batch is not claimed ahead of: two of them would be held at once.
        const heavy = bytesOf(batch) * 2 >= this.o.bounds.bytes;
        const ahead = heavy ? null : observed(this.claimNext(batch, after, signal));
        const outcome = await publishing;
        if (signal.aborted) break; // deposed or stopping: the next leader completes the batch
        await completing;
        if (outcome.kind === 'behind') {
          // Nothing was written: heal first (the next turn of lead), then this batch again.
          this.o.log.warn({ streams: outcome.streams }, 'a publish job found streams behind what the relay published');
          this.auditDue = true;
          return true;
        }
        if (outcome.kind !== 'published') {
          await this.settleFailure(batch, outcome, started);
          return true; // the next drain claims again from the start of the outbox
        }
        this.o.healer?.published(batch);
        completing = observed(this.complete(batch));
        this.o.metrics?.published(batch.length, outcome.result, since(started));
        if (this.auditWanted()) break; // the streams are compared between two batches
        batch = await (ahead ?? this.claimNext(batch, after, signal));
      }
    } finally {
      await completing;
    }
    return true;
  }

  /** The batch after `after`; under sustained load it first lingers (see LINGER_FROM). Nothing once deposed. */
  private async claimNext(previous: ClaimedEvent[], after: EntryId, signal: AbortSignal): Promise<ClaimedEvent[]> {
    const lingering = previous.length >= LINGER_FROM && previous.length < this.o.batchSize ? (this.o.lingerMs ?? 0) : 0;
    if (lingering > 0) await sleep(lingering, signal);
    return signal.aborted ? [] : this.claim(after);
  }

  /**
   * One claim. Its count follows what fitted last time: measuring a row costs Postgres a
   * jsonb→text of it (~4 ms per MB), so after a batch cut by its byte budget the next
   * claim measures one row more than fitted (doubling back up to batchSize once rows fit
   * again), instead of re-measuring up to batchSize big rows to keep a handful. 150 × 1 MB
   * rows in 38 claims of 4 MB, on a scratch database (a busy machine): 7.8–12.6 s of
   * claiming when each claim measured up to 1,000 rows, 1.8–4.7 s when it measured 5–8.
   */
  private async claim(after: EntryId): Promise<ClaimedEvent[]> {
    const started = performance.now();
    const batch = await claimBatch(this.o.db, this.limit, after, this.o.bounds, this.partition);
    this.limit = batch.at(-1)?.cut ? batch.length + 1 : this.limit * 2;
    this.limit = Math.min(this.limit, this.o.batchSize);
    this.o.metrics?.claimed(batch.length, since(started), bytesOf(batch));
    return batch;
  }

  /** `after`: the key the batch was claimed after (its job names the range after → last). */
  private async publish(batch: ClaimedEvent[], after: EntryId): Promise<PublishOutcome> {
    const span = this.o.destination !== undefined && tracingActive() ? startPublishSpan(batch, this.o.destination) : undefined;
    const job = this.o.batches.hold(batch, after, this.o.healer?.floorsFor(batch), this.partition);
    // The held messages carry the parts now: the rows keep only what completing needs.
    for (const e of batch) {
      e.message = '';
      e.legacy_head = e.legacy_tail = null;
    }
    try {
      const outcome = await this.o.publish(job);
      if (span) endPublishSpan(span, outcome);
      return outcome;
    } catch (error) {
      if (span) endPublishSpan(span, { kind: 'error', error });
      throw error;
    } finally {
      this.o.batches.release(job);
    }
  }

  /** A batch that did not publish whole: dead-letter its poison event, or give up on it (systemic). */
  private async settleFailure(batch: ClaimedEvent[], outcome: Exclude<PublishOutcome, { kind: 'published' | 'behind' }>, started: number): Promise<void> {
    if (outcome.kind === 'systemic') {
      throw new Error(`publishing failed for a reason outside the events: ${outcome.reason}`);
    }
    const index = batch.findIndex((e) => formatEntryId(keyOf(e)) === outcome.id);
    if (index === -1) {
      // Not an event of this batch (a deposed leader's job?): dead-letter nothing, retry.
      throw new Error(`publish job reported event ${outcome.id} as poison, which its batch does not hold: ${outcome.reason}`);
    }
    if (index > 0) {
      // The events before it went out (the job's failed attempt published them).
      this.o.healer?.published(batch.slice(0, index));
      await this.complete(batch.slice(0, index));
      this.o.metrics?.published(index, { published: index, duplicates: 0 }, since(started));
    }
    const poisoned = batch[index]!;
    await deadLetter(this.o.db, poisoned, outcome.attempts, outcome.reason);
    this.o.log.error({ eventId: poisoned.event_id, eventType: poisoned.event_type, attempts: outcome.attempts, reason: outcome.reason }, 'event dead-lettered');
    this.o.metrics?.deadLettered(poisoned.event_type);
  }

  private async complete(batch: ClaimedEvent[]): Promise<void> {
    const requeued = batch.filter((e) => e.requeued).map((e) => e.event_id);
    await completeBatch(this.o.db, keyOf(batch.at(-1)!), requeued, this.partition);
  }

  private async warnIfHeldBack(): Promise<void> {
    try {
      const s = await outboxStatus(this.o.db, this.partition.count);
      const age = s.oldest_open_transaction_seconds;
      if (age !== null && age * 1000 > this.o.lagWarnMs && s.backlog > 0) {
        this.o.log.warn(
          {
            pid: s.oldest_open_transaction_pid,
            database: s.oldest_open_transaction_database,
            application: s.oldest_open_transaction_application,
            openSeconds: Math.round(age),
            backlog: s.backlog,
          },
          'a long-open transaction is holding the relay back (events after it wait until it ends)',
        );
      }
    } catch {
      // Postgres unavailable: the main loop reports it.
    }
  }
}
