/**
 * Group commit for creates. Concurrent creates of one entity wait while `concurrency`
 * statements are already running, and then go together as one `applyCreates` statement:
 * one round trip, one transaction, one WAL flush for many requests. A create that arrives
 * while fewer statements run goes at the end of the current event-loop turn (setImmediate),
 * with whatever other creates the same turn brought: requests read from the sockets in one
 * turn share a statement, and a quiet service adds no wait (no timer). Going at once
 * instead split 16 clients into alternating batches of 1 and 15.
 *
 * Nothing about a single request changes: it is answered only after its own rows
 * committed, with its own result. If a batch fails because of one of its rows (a foreign
 * key, a duplicate, a spent id, an event over the message limit, a trigger), nothing of it
 * was written and each change is retried alone, so only the bad one fails. If the database
 * is unreachable, every change of the batch gets that error. Updates and deletes are not
 * grouped: each takes its entity's lock (see write.ts) and is one statement of its own.
 */
import type { Entity } from './entity.js';
import { databaseUnavailable } from './errors.js';
import type { Queryable } from './pool.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './message-limit.js';
import { applyChange, applyCreates, createDoc, type Change, type ChangeResult, type CreateDoc, type WriteLimits } from './write.js';

interface Pending {
  doc: CreateDoc;
  resolve: (result: ChangeResult) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** Statements of grouped creates running at once; arrivals beyond wait and batch up. */
  concurrency: number;
  /** Most creates in one statement. */
  maxBatch: number;
  /** Most bytes of JSON in one statement (a single bigger create still goes, alone). */
  maxBatchBytes?: number;
  /**
   * `L01_MAX_MESSAGE_BYTES`: a change whose event would be a larger message is refused by its
   * statement (write.ts); default that variable's default.
   */
  maxMessageBytes?: number;
}

const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export type ApplyChange = (change: Change) => Promise<ChangeResult>;

export function groupCommit(db: Queryable, opts: GroupCommitOptions): ApplyChange {
  const waiting = new Map<Entity, Pending[]>();
  let running = 0;
  let scheduled = false;

  const maxBytes = opts.maxBatchBytes ?? MAX_BATCH_BYTES;
  const limits: WriteLimits = { maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES };
  const settleAlone = (p: Pending) => applyCreates(db, [p.doc], limits).then(([r]) => p.resolve(r!), p.reject);

  async function run(batch: Pending[]) {
    try {
      const results = await applyCreates(db, batch.map((p) => p.doc), limits);
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1 || databaseUnavailable(err)) for (const p of batch) p.reject(err);
      // One at a time, within this batch's slot: an error that every row meets (a trigger,
      // a permission) costs N more statements, never N at once.
      else for (const p of batch) await settleAlone(p);
    }
  }

  function pump() {
    scheduled = false;
    while (running < opts.concurrency && waiting.size > 0) {
      // The entity waiting longest first (Map keeps insertion order).
      const [entity, queue] = waiting.entries().next().value as [Entity, Pending[]];
      let n = 0;
      for (let bytes = 0; n < queue.length && n < opts.maxBatch; n++) {
        bytes += queue[n]!.doc.json.length;
        if (n > 0 && bytes > maxBytes) break;
      }
      const batch = queue.splice(0, n);
      waiting.delete(entity);
      // Creates left over go to the back: one busy entity cannot starve the others.
      if (queue.length > 0) waiting.set(entity, queue);
      running++;
      void run(batch).finally(() => {
        running--;
        pump();
      });
    }
  }

  return (change) => {
    if (change.op !== 'create') return applyChange(db, change, limits);
    return new Promise<ChangeResult>((resolve, reject) => {
      const pending = { doc: createDoc(change), resolve, reject };
      const queue = waiting.get(change.entity);
      if (queue) queue.push(pending);
      else waiting.set(change.entity, [pending]);
      if (!scheduled && running < opts.concurrency) {
        scheduled = true;
        setImmediate(pump);
      }
    });
  };
}
