/** A transaction of its own for a unit of work that is more than one statement (db/batch.ts). */
import { databaseUnavailable } from './errors.js';
import type { Pool, Queryable } from './pool.js';

/** Runs `fn` in a transaction on a connection of its own: committed when `keep(result)`, else (or on a throw) rolled back. */
export async function inTransaction<T>(db: Pool, fn: (c: Queryable) => Promise<T>, keep: (result: T) => boolean): Promise<T> {
  const client = await db.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    let result: T;
    try {
      result = await fn(client);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw err;
    }
    await client.query(keep(result) ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (err) {
    broken ||= databaseUnavailable(err);
    throw err;
  } finally {
    client.release(broken);
  }
}
