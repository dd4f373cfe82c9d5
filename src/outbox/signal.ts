/**
 * The wake-up signal from writers to the relay: `NOTIFY l01_outbox`, sent AFTER the write
 * committed, from the API, at most one in flight per process (calls made meanwhile fold
 * into one more). A NOTIFY inside the write transaction would take Postgres' global notify
 * lock at commit and serialise every writer; measured in bench/ (see README). A lost
 * signal costs at most one poll interval: the relay polls too.
 */
import type { Queryable } from '../db/pool.js';

export const OUTBOX_CHANNEL = 'l01_outbox';

export function createCommitSignal(db: Queryable): () => void {
  let inFlight = false;
  let pending = false;
  const send = () => {
    inFlight = true;
    pending = false;
    db.query(`NOTIFY ${OUTBOX_CHANNEL}`)
      .catch(() => {}) // Postgres down: the write failed too, or the poll will cover it.
      .finally(() => {
        inFlight = false;
        if (pending) send();
      });
  };
  return () => {
    if (inFlight) pending = true;
    else send();
  };
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
