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
 *
 * A create sent with an Idempotency-Key whose answer follows from its result (`keyed`,
 * db/idempotency.ts) is grouped too: a batch holding one runs as a transaction, the answers
 * of its keyed creates stored in it (STORE_ANSWERS) before it commits, so each keyed create
 * commits with its answer or not at all. Alone in its own transaction, a keyed create paid
 * a statement and a WAL flush of its own: ~4× an unkeyed create's cost.
 */
import type { Entity } from './entity.js';
import { databaseUnavailable } from './errors.js';
import { STORE_ANSWERS, type AnswerRow, type KeyedCreate } from './idempotency.js';
import type { Pool, Queryable } from './pool.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './message-limit.js';
import { inTransaction } from './transaction.js';
import { applyChange, applyCreates, createDoc, type Change, type ChangeResult, type CreateDoc, type WriteLimits } from './write.js';

interface Pending {
  doc: CreateDoc;
  keyed?: KeyedCreate;
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

export function groupCommit(db: Pool, opts: GroupCommitOptions): ApplyChange {
  const waiting = new Map<Entity, Pending[]>();
  let running = 0;
  let scheduled = false;

  const maxBytes = opts.maxBatchBytes ?? MAX_BATCH_BYTES;
  const limits: WriteLimits = { maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES };
  /** One statement; with keyed creates among them, in a transaction with their answers. */
  function commit(batch: Pending[]): Promise<ChangeResult[]> {
    const docs = batch.map((p) => p.doc);
    if (!batch.some((p) => p.keyed)) return applyCreates(db, docs, limits);
    return inTransaction(db, async (c) => {
      const results = await applyCreates(c, docs, limits);
      const answers = batch.flatMap((p, i): AnswerRow[] => {
        const r = results[i]!;
        if (!p.keyed || !r.ok) return [];
        const { caller, key, fingerprint, ttlMs } = p.keyed;
        return [{ caller, key, fingerprint, ttl_ms: ttlMs, ...p.keyed.answer(r) }];
      });
      if (answers.length > 0) await c.query({ name: 'idempotency_store', text: STORE_ANSWERS, values: [JSON.stringify(answers)] });
      return results;
    }, () => true);
  }
  const settleAlone = (p: Pending) => commit([p]).then(([r]) => p.resolve(r!), p.reject);

  async function run(batch: Pending[]) {
    try {
      const results = await commit(batch);
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
      const pending = { doc: createDoc(change), keyed: change.keyed, resolve, reject };
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
