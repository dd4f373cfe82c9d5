/**
 * Several changes as one transaction (`POST /api/commands`): all or nothing, their events
 * consecutive in the log (one transaction id, positions in the order of the changes), and
 * each entity's versions in the same order as its xids, with every other writer.
 *
 * The order rests on the entity lock of write.ts. A transaction gets its xid at its first
 * write; a batch that locked each entity only when its own statement ran would already hold
 * an xid when it waited for the second entity, and could commit that entity's next version
 * with a smaller xid than the version before it. So the batch first takes the lock of every
 * entity it touches, in one statement that writes nothing, sorted by lock key (two batches
 * over the same entities then lock in the same order and cannot deadlock; a single write
 * holds one lock and cannot be part of a cycle). Ids of creates are drawn before that, so
 * they are locked too. Then the changes run one by one, through the very statements of
 * write.ts, which take their lock again (a lock already held is granted at once).
 *
 * The caller owns the transaction: BEGIN before, COMMIT when the outcome is ok, ROLLBACK
 * otherwise or on a throw (api/respond.ts `writer`).
 */
import { applyChange, applyCreates, createDoc, entityLockKey, type Change, type ChangeResult, type CreateDoc, type WriteLimits } from './write.js';
import type { Queryable } from './pool.js';

export type BatchChange = Extract<Change, { op: 'create' | 'update' | 'delete' }>;
export type Written = Extract<ChangeResult, { ok: true }>;

export type BatchOutcome =
  | { ok: true; results: Written[] }
  /** The change at `index` was refused (404, 412, id_used): the caller rolls back. */
  | { ok: false; index: number; result: Exclude<ChangeResult, { ok: true }> };

/** A change whose statement failed (a foreign key, a duplicate, the message limit): which one, and why. */
export class BatchChangeFailed extends Error {
  constructor(readonly index: number, override readonly cause: unknown) {
    super(`change ${index} of the batch failed`);
  }
}

/** Every lock at once, in one order for all batches; `count` makes the statement wait for each. */
const LOCK_ALL = `
  SELECT count(pg_advisory_xact_lock(k)) AS locked FROM (
    SELECT DISTINCT ${entityLockKey('u.t', 'u.i')} AS k FROM unnest($1::text[], $2::text[]) AS u(t, i) ORDER BY k
  ) AS sorted`;

/** Applies `changes` in order inside the caller's transaction, which must not have written yet. */
export async function applyBatch(db: Queryable, changes: readonly BatchChange[], limits?: WriteLimits): Promise<BatchOutcome> {
  const docs: Array<CreateDoc | null> = changes.map((c) => (c.op === 'create' ? createDoc(c) : null));
  const ids = changes.map((c, i) => (c.op === 'create' ? docs[i]!.id : c.id));
  await db.query({ name: 'batch_lock_all', text: LOCK_ALL, values: [changes.map((c) => c.entity.table), ids] });
  const results: Written[] = [];
  for (const [index, change] of changes.entries()) {
    let result: ChangeResult;
    try {
      result = change.op === 'create' ? (await applyCreates(db, [docs[index]!], limits))[0]! : await applyChange(db, change, limits);
    } catch (err) {
      throw new BatchChangeFailed(index, err);
    }
    if (!result.ok) return { ok: false, index, result };
    results.push(result);
  }
  return { ok: true, results };
}
