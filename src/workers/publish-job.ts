/**
 * Running one publish job: the relay submits a batch to the BullMQ queue and waits for its
 * outcome, without trusting the completion event alone.
 *
 * How a job can go silent, and what happens here:
 * - Its completion event is missed (the QueueEvents reader was reconnecting, or started at
 *   `$` just after the job finished): every CHECK_MS without news the job's own state is
 *   read, and a finished job's result or failure is taken from it.
 * - It is orphaned: a connection dropped (Redis CLIENT KILL, a proxy, a failover) after
 *   Redis ran BullMQ's moveToActive script but before the worker read the reply. The job
 *   stays "active" with nobody working on it until its lock expires and a stalled check
 *   re-queues it: L01_RELAY_LOCK_MS (30 s by default) without a single event published.
 *   Measured in tests/faults/redis-client-kill: ~1 drop in 25 orphaned a job and stalled
 *   the relay 24–30 s. A job active for longer than `stuckMs` is therefore given up on and
 *   the relay re-submits the batch. That is safe: publish.lua refuses entries already in the
 *   stream and PUBLISHes only what it appends, so when the orphan finally runs it changes
 *   nothing. `stuckMs` doubles for each give-up in a row, so a batch that is merely slow is
 *   not re-submitted again and again.
 * - It waits (no free worker) or is delayed (backoff between attempts): that is normal and
 *   only `timeoutMs` ends the wait.
 *
 * A failed job is either an event's fault (the publisher recorded it in the job's data as
 * `poison`) or the system's (Redis away, OOM, …): the outcome says which. A job that
 * found a stream behind its floor wrote nothing and says which streams (`behind`).
 */
import type { Queue, QueueEvents } from 'bullmq';
import type { Logger } from 'pino';
import { sleep } from '../lib/time.js';
import type { Behind } from './publish.js';
import type { PublishJob, PublishJobHandle, PublishResult } from './queue.js';

export type PublishOutcome =
  | { kind: 'published'; result: PublishResult }
  /** Event `id` (a stream id) failed on its own, after `attempts`; the events before it were published. */
  | { kind: 'poison'; id: string; reason: string; attempts: number }
  /** Nothing was written: these streams lost data (outbox/healing.ts heals them, then the batch goes again). */
  | { kind: 'behind'; streams: Behind }
  /** Not the events' fault: back off and submit the batch again. */
  | { kind: 'systemic'; reason: string };

export interface JobRunnerOptions {
  queue: Queue<PublishJob, PublishResult>;
  queueEvents: QueueEvents;
  /** A job picked by a worker and not finished after this long is re-submitted. */
  stuckMs: number;
  log: Logger;
}

const CHECK_MS = 1000;
/** Longest wait for one job before the relay assumes it is lost and re-submits the batch. */
const JOB_TIMEOUT_MS = 30_000;

type JobEnd = { ok: true; result: PublishResult } | { ok: false; reason: string };

/**
 * The job's end as QueueEvents announces it, or a timeout. Not BullMQ's
 * `job.waitUntilFinished`: its first look at the job runs inside a promise executor, so a
 * Redis error there (a cluster failing over: "Too many Cluster redirections") became an
 * unhandled rejection and ended the worker process. A missed event is covered by `inspect`.
 */
function notification(events: QueueEvents, id: string, timeoutMs: number): { end: Promise<JobEnd>; cancel(): void } {
  let cancel = () => {};
  const end = new Promise<JobEnd>((resolve) => {
    const completed = (args: { jobId: string; returnvalue: unknown }) => {
      if (args.jobId === id) finish({ ok: true, result: args.returnvalue as PublishResult });
    };
    const failed = (args: { jobId: string; failedReason: string }) => {
      if (args.jobId === id) finish({ ok: false, reason: args.failedReason });
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `no news of job ${id} after ${timeoutMs} ms` }), timeoutMs);
    cancel = () => {
      clearTimeout(timer);
      events.off('completed', completed);
      events.off('failed', failed);
    };
    const finish = (e: JobEnd) => {
      cancel();
      resolve(e);
    };
    events.on('completed', completed);
    events.on('failed', failed);
  });
  return { end, cancel };
}

/** Submits a batch's job and resolves with its outcome; rejects only when the job cannot be submitted. */
export function createJobRunner(o: JobRunnerOptions): (job: PublishJob) => Promise<PublishOutcome> {
  /** Doubles each time a job is given up on as stuck, back to `o.stuckMs` on success. */
  let stuckMs = o.stuckMs;

  /** The outcome read from the job itself, or null while it is legitimately pending. */
  async function inspect(job: PublishJobHandle): Promise<JobEnd | null> {
    const id = job.id!;
    const state = await o.queue.getJobState(id);
    if (state === 'completed' || state === 'failed') {
      const fresh = await o.queue.getJob(id);
      if (!fresh) return { ok: false, reason: `job ${id} finished and was removed before its result was read` };
      return state === 'completed' ? { ok: true, result: fresh.returnvalue } : { ok: false, reason: fresh.failedReason };
    }
    if (state === 'unknown') return { ok: false, reason: `job ${id} vanished from the queue` };
    if (state === 'active') {
      const fresh = await o.queue.getJob(id);
      const activeFor = fresh?.processedOn ? Date.now() - fresh.processedOn : 0;
      if (activeFor > stuckMs) {
        return { ok: false, reason: `job ${id} active for ${activeFor} ms without finishing (orphaned by a lost reply, or its worker is frozen); re-submitting the batch` };
      }
    }
    return null;
  }

  async function waitFor(job: PublishJobHandle): Promise<JobEnd> {
    const notified = notification(o.queueEvents, job.id!, JOB_TIMEOUT_MS);
    try {
      for (;;) {
        const end = await Promise.race([notified.end, sleep(CHECK_MS).then(() => null)]);
        if (end) return end;
        const seen = await inspect(job).catch(() => null); // Redis away: keep waiting for it
        if (seen) return seen;
      }
    } finally {
      notified.cancel();
    }
  }

  /**
   * The event the publisher named in the job's data, once the job has failed for good
   * (an UnrecoverableError, or every attempt used). A job given up on as stuck or timed out
   * is the system's fault, whatever an earlier attempt recorded.
   */
  async function poisonOf(job: PublishJobHandle): Promise<(NonNullable<PublishJob['poison']> & { attempts: number }) | undefined> {
    try {
      if ((await o.queue.getJobState(job.id!)) !== 'failed') return undefined;
      const failed = await o.queue.getJob(job.id!);
      return failed?.data.poison ? { ...failed.data.poison, attempts: Math.max(1, failed.attemptsMade) } : undefined;
    } catch {
      return undefined; // Redis away: systemic, retried
    }
  }

  return async (data) => {
    const job = await o.queue.add('batch', data);
    const end = await waitFor(job);
    if (end.ok) {
      stuckMs = o.stuckMs;
      if (end.result.behind) return { kind: 'behind', streams: end.result.behind };
      return { kind: 'published', result: end.result };
    }
    const poison = await poisonOf(job);
    if (poison) return { kind: 'poison', id: poison.id, reason: poison.reason, attempts: poison.attempts };
    stuckMs = Math.min(stuckMs * 2, JOB_TIMEOUT_MS);
    o.log.warn({ jobId: job.id, after: data.after, events: data.count, err: end.reason }, 'publish job did not complete');
    return { kind: 'systemic', reason: end.reason };
  };
}
