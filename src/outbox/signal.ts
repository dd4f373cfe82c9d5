/**
 * The wake-up signal from writers to the relay: `NOTIFY l01_outbox`, sent AFTER the write
 * committed, from the API, at most one in flight per process and at most one per
 * `minIntervalMs` (calls made meanwhile fold into one more, sent when both allow). A NOTIFY
 * inside the write transaction would take Postgres' global notify lock at commit and
 * serialise every writer; measured in bench/ (see README). A lost signal costs at most one
 * poll interval: the relay polls too.
 *
 * Why the interval: a relay that is busy does not need waking, and every NOTIFY is a round
 * trip of its own. At 16 connections of POST /api/agents (npm start), one NOTIFY per
 * committed batch cost 7% of the write throughput (7,600 req/s with, 8,150 without).
 * Writes further apart than the interval (the paced 300/s of the latency benchmark) are
 * signalled at once.
 */
import type { Queryable } from '../db/pool.js';

export const OUTBOX_CHANNEL = 'l01_outbox';

/** Wakes the relay now rather than at its next poll: after a commit, a retry, a replay. */
export async function wakeRelay(db: Queryable): Promise<void> {
  await db.query(`NOTIFY ${OUTBOX_CHANNEL}`);
}

export function createCommitSignal(db: Queryable, minIntervalMs = 2): () => void {
  let inFlight = false;
  let pending = false;
  let timer: NodeJS.Timeout | null = null;
  let lastSent = -Infinity;
  const send = () => {
    inFlight = true;
    pending = false;
    lastSent = performance.now();
    wakeRelay(db)
      .catch(() => {}) // Postgres down: the write failed too, or the poll will cover it.
      .finally(() => {
        inFlight = false;
        if (pending) request();
      });
  };
  const request = () => {
    if (inFlight || timer) {
      pending = true;
      return;
    }
    const wait = lastSent + minIntervalMs - performance.now();
    if (wait <= 0) return send();
    pending = true;
    timer = setTimeout(() => {
      timer = null;
      send();
    }, wait);
    timer.unref();
  };
  return request;
}

/** Relay side: resolves `wait()` on a signal, or after the poll interval. */
export class Waker {
  private waiting: (() => void) | null = null;
  private signalled = false;

  wake(): void {
    this.signalled = true;
    this.waiting?.();
  }

  wait(ms: number, abort: AbortSignal): Promise<void> {
    if (this.signalled || abort.aborted) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abort.removeEventListener('abort', done);
        this.waiting = null;
        this.signalled = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      abort.addEventListener('abort', done);
      this.waiting = done;
    });
  }
}
