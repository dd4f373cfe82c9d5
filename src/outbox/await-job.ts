/**
 * Waiting for one publish job's outcome, without trusting the completion event alone.
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
 */
import type { Queue, QueueEvents } from 'bullmq';
import type { PublishJob, PublishJobHandle, PublishResult } from './queue.js';

export type JobEnd = { ok: true; result: PublishResult } | { ok: false; reason: string };

export interface AwaitJobOptions {
  queue: Queue<PublishJob, PublishResult>;
  queueEvents: QueueEvents;
  /** A job active (picked by a worker) this long without finishing is given up on. */
  stuckMs: number;
  /** Longest wait in any state. */
  timeoutMs: number;
}

const CHECK_MS = 1000;
const message = (err: unknown) => (err as Error)?.message ?? String(err);
const tick = (ms: number) => new Promise<null>((resolve) => setTimeout(resolve, ms, null));

export async function awaitJob(job: PublishJobHandle, o: AwaitJobOptions): Promise<JobEnd> {
  const notified: Promise<JobEnd> = job.waitUntilFinished(o.queueEvents, o.timeoutMs).then(
    (result: PublishResult) => ({ ok: true, result }),
    (err: unknown) => ({ ok: false, reason: message(err) }),
  );
  for (;;) {
    const end = await Promise.race([notified, tick(CHECK_MS)]);
    if (end) return end;
    const seen = await inspect(job, o).catch(() => null); // Redis away: keep waiting for it
    if (seen) return seen;
  }
}

/** The outcome read from the job itself, or null while it is legitimately pending. */
async function inspect(job: PublishJobHandle, o: AwaitJobOptions): Promise<JobEnd | null> {
  const id = job.id!;
  const state = await o.queue.getJobState(id);
  if (state === 'completed' || state === 'failed') {
    const fresh = await o.queue.getJob(id);
    if (!fresh) return { ok: false, reason: `job ${id} finished and was removed before its result was read` };
    return state === 'completed'
      ? { ok: true, result: fresh.returnvalue }
      : { ok: false, reason: fresh.failedReason };
  }
  if (state === 'unknown') return { ok: false, reason: `job ${id} vanished from the queue` };
  if (state === 'active') {
    const fresh = await o.queue.getJob(id);
    const activeFor = fresh?.processedOn ? Date.now() - fresh.processedOn : 0;
    if (activeFor > o.stuckMs) {
      return { ok: false, reason: `job ${id} active for ${activeFor} ms without finishing (orphaned by a lost reply, or its worker is frozen); re-submitting the batch` };
    }
  }
  return null;
}
