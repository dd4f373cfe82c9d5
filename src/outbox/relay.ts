/**
 * The relay: while this process leads, claim committed outbox rows in commit-safe order,
 * hand each batch to the publish queue, wait for it, then delete the rows and advance the
 * checkpoint. Exactly one batch is in flight, so events leave in order even across retries.
 *
 * How it fails, and what happens:
 * - Relay killed mid-batch: the rows are still in the outbox; the next leader re-publishes
 *   them and Redis refuses the entries it already has (publish.lua), so nothing doubles.
 * - Redis down / OOM / loading: the job cannot run or keeps failing for a reason that is
 *   not a PoisonEventError; the relay waits with capped backoff and re-submits. Nothing is
 *   dead-lettered for it.
 * - Postgres down: claim or delete fails; the relay backs off; leadership is re-acquired
 *   once the leader connection is back.
 * - An event failing on its own: BullMQ retries it L01_RELAY_MAX_ATTEMPTS times; then it
 *   goes to dead_letters, the events before it are completed and the relay carries on.
 * - A job orphaned by a dropped connection, or whose completion event is missed: the relay
 *   reads the job's state itself and re-submits a batch stuck in "active" (await-job.ts),
 *   instead of waiting out the job's lock.
 */
import type { Queue, QueueEvents } from 'bullmq';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { awaitJob } from './await-job.js';
import type { BatchHandoff } from './batches.js';
import { PoisonEventError } from './errors.js';
import type { LeaderContext } from './leadership.js';
import type { PublishJob, PublishResult } from './queue.js';
import { OUTBOX_CHANNEL, Waker } from './signal.js';
import { sleep } from './sleep.js';
import { claimBatch, completeBatch, deadLetter, keyOf, outboxStatus, ZERO_KEY, type ClaimedEvent, type StreamKey } from './sql.js';
import { streamId } from './streams.js';

export interface RelayOptions {
  db: Queryable;
  queue: Queue<PublishJob, PublishResult>;
  queueEvents: QueueEvents;
  /** Shared with this process's publisher: the claimed messages reach it in memory. */
  batches: BatchHandoff;
  log: Logger;
  batchSize: number;
  pollMs: number;
  /** Under load, the least time between two jobs' submissions (see LINGER_FROM); 0: none. */
  lingerMs?: number;
  maxAttempts: number;
  lagWarnMs: number;
  /** A job picked by a worker and not finished after this long is re-submitted (see await-job.ts). */
  stuckMs: number;
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

/** Longest wait for one job before the relay assumes it is lost and re-submits the batch. */
const JOB_TIMEOUT_MS = 30_000;
const MAX_BACKOFF_MS = 5_000;

type Outcome =
  | { kind: 'published'; result: PublishResult }
  | { kind: 'poison'; error: PoisonEventError }
  | { kind: 'systemic'; reason: string };

export class Relay {
  private readonly waker = new Waker();
  /** Events published by this process, for logs and the bench harness. */
  published = 0;
  /** Doubles each time a job is given up on as stuck, back to `o.stuckMs` on success. */
  private stuckMs: number;

  constructor(private readonly o: RelayOptions) {
    this.stuckMs = o.stuckMs;
  }

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
   * Publishes batches until nothing below the horizon is left. Exactly one publish job is
   * in flight at a time (so events leave in log order), but the database work hides behind
   * it: while job N runs, batch N+1 is claimed (strictly after N's last key) and batch N-1's
   * rows are deleted. A crash anywhere leaves rows that are simply published again, and
   * refused by Redis as duplicates. Returns false when there was nothing to do.
   */
  private async drain(signal: AbortSignal): Promise<boolean> {
    let after = ZERO_KEY;
    let batch = await this.claim(after);
    if (batch.length === 0) return false;
    let completing: Promise<void> = Promise.resolve();
    try {
      while (batch.length > 0 && !signal.aborted) {
        const publishStart = performance.now();
        const publishing = this.publish(batch, after);
        after = keyOf(batch.at(-1)!);
        const linger = batch.length >= LINGER_FROM && batch.length < this.o.batchSize ? (this.o.lingerMs ?? 0) : 0;
        const next = (linger > 0 ? sleep(linger, signal) : Promise.resolve()).then(() =>
          signal.aborted ? [] : this.claim(after)); // deposed or stopping: claim nothing more
        next.catch(() => {}); // awaited below, or abandoned when this batch fails
        const outcome = await publishing;
        if (signal.aborted) break; // deposed: leave completion to the next leader
        await completing; // one DELETE at a time: the checkpoint only moves forward
        if (outcome.kind !== 'published') {
          await this.settleFailure(batch, outcome, publishStart);
          return true; // the next drain claims again from the start of the outbox
        }
        completing = this.complete(batch);
        this.published += outcome.result.published;
        this.o.metrics?.published(batch.length, outcome.result, since(publishStart));
        batch = await next;
      }
    } finally {
      await completing;
    }
    return true;
  }

  private async claim(after: StreamKey): Promise<ClaimedEvent[]> {
    const claimStart = performance.now();
    const batch = await claimBatch(this.o.db, this.o.batchSize, after);
    this.o.metrics?.claimed(batch.length, since(claimStart));
    return batch;
  }

  /** A batch that did not publish whole: dead-letter its poison event, or give up on it (systemic). */
  private async settleFailure(batch: ClaimedEvent[], outcome: Exclude<Outcome, { kind: 'published' }>, publishStart: number): Promise<void> {
    if (outcome.kind === 'systemic') {
      throw new Error(`publishing failed for a reason outside the events: ${outcome.reason}`);
    }
    const { streamId: poisonId, reason } = outcome.error;
    const index = batch.findIndex((e) => streamId(e.transaction_id, e.position) === poisonId);
    if (index === -1) {
      // Not an event of this batch (a deposed leader's job?): dead-letter nothing, retry.
      throw new Error(`publish job reported event ${poisonId} as poison, which its batch does not hold: ${reason}`);
    }
    if (index > 0) {
      await this.complete(batch.slice(0, index));
      // The events before it went out (the job's failed attempts published them).
      this.o.metrics?.published(index, { published: index, duplicates: 0 }, since(publishStart));
    }
    const poisoned = batch[index]!;
    await deadLetter(this.o.db, poisoned, this.o.maxAttempts, reason);
    this.o.log.error({ eventId: poisoned.event_id, eventType: poisoned.event_type, reason }, 'event dead-lettered');
    this.o.metrics?.deadLettered(poisoned.event_type);
  }

  private async complete(batch: ClaimedEvent[]): Promise<void> {
    const requeued = batch.filter((e) => e.requeued).map((e) => e.event_id);
    await completeBatch(this.o.db, keyOf(batch.at(-1)!), requeued);
  }

  /** `after`: the key the batch was claimed after (its job names the range after → last). */
  private async publish(batch: ClaimedEvent[], after: StreamKey): Promise<Outcome> {
    const first = batch[0]!;
    const data = this.o.batches.hold(batch, after);
    const { job, end } = await this.runJob(data).finally(() => this.o.batches.release(data));
    if (end.ok) {
      this.stuckMs = this.o.stuckMs;
      return { kind: 'published', result: end.result };
    }
    const poison = PoisonEventError.parse(end.reason);
    if (poison) return { kind: 'poison', error: poison };
    this.stuckMs = Math.min(this.stuckMs * 2, JOB_TIMEOUT_MS);
    this.o.log.warn({ jobId: job.id, firstEvent: first.event_id, batch: batch.length, err: end.reason }, 'publish job did not complete');
    return { kind: 'systemic', reason: end.reason };
  }

  /** Submits one publish job and waits for its end. */
  private async runJob(data: PublishJob) {
    const job = await this.o.queue.add('batch', data);
    return { job, end: await awaitJob(job, { queue: this.o.queue, queueEvents: this.o.queueEvents, stuckMs: this.stuckMs, timeoutMs: JOB_TIMEOUT_MS }) };
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
