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
 * - An event failing on its own: BullMQ retries it L01_RELAY_MAX_ATTEMPTS times; then it
 *   goes to dead_letters, the events before it are completed and the relay carries on.
 */
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { sleep } from '../lib/time.js';
import { formatEntryId, ZERO_ENTRY, type EntryId } from '../wire/entry-id.js';
import type { PublishOutcome } from '../workers/publish-job.js';
import type { PublishJob, PublishResult } from '../workers/queue.js';
import type { BatchHandoff } from './batches.js';
import type { LeaderContext } from './leadership.js';
import { OUTBOX_CHANNEL, Waker } from './signal.js';
import { claimBatch, completeBatch, deadLetter, keyOf, outboxStatus, type ClaimedEvent } from './sql.js';

export interface RelayOptions {
  db: Queryable;
  /** Shared with this process's publisher: the claimed messages reach it in memory. */
  batches: BatchHandoff;
  /** Runs one publish job to its outcome (workers/publish-job.ts). */
  publish: (job: PublishJob) => Promise<PublishOutcome>;
  log: Logger;
  batchSize: number;
  pollMs: number;
  /** Under load, the least time between two jobs' submissions (see LINGER_FROM); 0: none. */
  lingerMs?: number;
  maxAttempts: number;
  lagWarnMs: number;
  /** Observes the relay (Prometheus counters in the worker); optional, never changes what it does. */
  metrics?: RelayMetrics;
}

/** What the relay reports, at the points where it happens. Durations in seconds. */
export interface RelayMetrics {
  leading(isLeader: boolean): void;
  claimed(events: number, seconds: number): void;
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

  constructor(private readonly o: RelayOptions) {}

  /** Runs until leadership ends. */
  async lead({ client, signal }: LeaderContext): Promise<void> {
    client.on('notification', (n) => n.channel === OUTBOX_CHANNEL && this.waker.wake());
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    const lagWatch = setInterval(() => void this.warnIfHeldBack(), Math.max(1000, this.o.lagWarnMs / 2));
    let backoff = 50;
    this.o.metrics?.leading(true);
    try {
      while (!signal.aborted) {
        try {
          const progressed = await this.drain(signal);
          backoff = 50;
          if (!progressed) await this.waker.wait(this.o.pollMs, signal);
        } catch (err) {
          this.o.log.warn({ err: (err as Error).message, retryInMs: backoff }, 'relay step failed; backing off');
          this.o.metrics?.stepFailed();
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      }
    } finally {
      clearInterval(lagWatch);
      this.o.metrics?.leading(false);
    }
  }

  /**
   * Publishes batches until nothing below the horizon is left; false when there was
   * nothing to do. One publish job is in flight at a time (events leave in log order), and
   * the database work hides behind it. Per turn of the loop, batch N is published while:
   *   - batch N+1 is claimed, strictly after N's last key (`next`), after the linger;
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
        const next = observed(this.claimNext(batch, after, signal));
        const outcome = await publishing;
        if (signal.aborted) break; // deposed or stopping: the next leader completes the batch
        await completing;
        if (outcome.kind !== 'published') {
          await this.settleFailure(batch, outcome, started);
          return true; // the next drain claims again from the start of the outbox
        }
        completing = observed(this.complete(batch));
        this.o.metrics?.published(batch.length, outcome.result, since(started));
        batch = await next;
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

  private async claim(after: EntryId): Promise<ClaimedEvent[]> {
    const started = performance.now();
    const batch = await claimBatch(this.o.db, this.o.batchSize, after);
    this.o.metrics?.claimed(batch.length, since(started));
    return batch;
  }

  /** `after`: the key the batch was claimed after (its job names the range after → last). */
  private async publish(batch: ClaimedEvent[], after: EntryId): Promise<PublishOutcome> {
    const job = this.o.batches.hold(batch, after);
    try {
      return await this.o.publish(job);
    } finally {
      this.o.batches.release(job);
    }
  }

  /** A batch that did not publish whole: dead-letter its poison event, or give up on it (systemic). */
  private async settleFailure(batch: ClaimedEvent[], outcome: Exclude<PublishOutcome, { kind: 'published' }>, started: number): Promise<void> {
    if (outcome.kind === 'systemic') {
      throw new Error(`publishing failed for a reason outside the events: ${outcome.reason}`);
    }
    const index = batch.findIndex((e) => formatEntryId(keyOf(e)) === outcome.id);
    if (index === -1) {
      // Not an event of this batch (a deposed leader's job?): dead-letter nothing, retry.
      throw new Error(`publish job reported event ${outcome.id} as poison, which its batch does not hold: ${outcome.reason}`);
    }
    if (index > 0) {
      // The events before it went out (the job's failed attempts published them).
      await this.complete(batch.slice(0, index));
      this.o.metrics?.published(index, { published: index, duplicates: 0 }, since(started));
    }
    const poisoned = batch[index]!;
    await deadLetter(this.o.db, poisoned, this.o.maxAttempts, outcome.reason);
    this.o.log.error({ eventId: poisoned.event_id, eventType: poisoned.event_type, reason: outcome.reason }, 'event dead-lettered');
    this.o.metrics?.deadLettered(poisoned.event_type);
  }

  private async complete(batch: ClaimedEvent[]): Promise<void> {
    const requeued = batch.filter((e) => e.requeued).map((e) => e.event_id);
    await completeBatch(this.o.db, keyOf(batch.at(-1)!), requeued);
  }

  private async warnIfHeldBack(): Promise<void> {
    try {
      const s = await outboxStatus(this.o.db);
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
