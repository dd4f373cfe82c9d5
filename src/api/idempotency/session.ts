/**
 * One request sent with an Idempotency-Key, from the moment it holds its key to its stored
 * answer. It owns a pooled connection for that time; the app's writer (respond.ts) finds it
 * through `keyedRequest()` and runs the request's writes on it instead of the shared path.
 *
 * Each write gets a transaction of its own, which stays open after a successful write: the
 * answer is inserted into it (`finish`, from the onSend hook) and only then committed, so a
 * crash leaves either the write with its answer, or neither. A write that is refused (404,
 * 412, …) or throws is rolled back at once. A handler that writes twice (a find-or-create
 * before its create) commits the earlier write when the next begins: one write per
 * transaction keeps the entity lock's order (db/write.ts), and the answer goes with the last.
 *
 * A create whose answer follows from its result (the generic create routes) goes through
 * group commit instead (`grouped`), its answer stored in its batch's transaction; this
 * connection then holds only the key. If the route answers otherwise than it said, the answer
 * it sent replaces the stored one after the commit.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { FIND_ANSWER, STORE_ANSWERS, TRY_LOCK_KEY, UNLOCK_KEY, type KeyedCreate, type StoredAnswer, type StoredRow } from '../../db/idempotency.js';
import type { ChangeResult } from '../../db/write.js';
import type { Queryable } from '../../db/pool.js';

const current = new AsyncLocalStorage<KeyedRequest>();

/** The keyed request the running code serves, if any. */
export const keyedRequest = (): KeyedRequest | undefined => current.getStore();

/**
 * `db` as the routes get it: queries of a keyed request go to its own connection
 * (`KeyedRequest.query`), all others to `db`.
 */
export function keyedReads(db: Queryable): Queryable {
  const query = (...args: unknown[]) => {
    const keyed = keyedRequest();
    return keyed ? keyed.query(...(args as Parameters<pg.PoolClient['query']>)) : (db.query as (...a: unknown[]) => Promise<unknown>)(...args);
  };
  return { query } as Queryable;
}

export interface KeyedOptions {
  ttlMs: number;
  /** Whether its create may go through group commit (`grouped`): the pool has a connection to spare for it. */
  group?: boolean;
  /** The relay's wake-up signal, after each commit of a write. */
  onCommit?: () => void;
  /** Called once the request's connection is back in the pool. */
  onClose?: () => void;
}

export class KeyedRequest {
  private open = false;
  private writes = 0;
  /** The answer stored with a grouped create, committed with it. */
  private stored: StoredAnswer | undefined;
  private broken = false;
  private closed = false;
  /** Writes of one request run one after the other on its connection. */
  private last: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly client: pg.PoolClient,
    readonly caller: string,
    readonly key: string,
    readonly fingerprint: string,
    private readonly o: KeyedOptions,
  ) {}

  /**
   * Takes the key on a connection of its own. `held: false` when another request holds it
   * (in flight); else the live answer stored for it, if any. Either way but a fresh key, the
   * key and connection are already given back.
   */
  static async take(pool: { connect(): Promise<pg.PoolClient> }, caller: string, key: string, fingerprint: string, o: KeyedOptions):
    Promise<{ held: false } | { held: true; stored: StoredRow } | { held: true; request: KeyedRequest }> {
    const client = await pool.connect();
    const keyed = new KeyedRequest(client, caller, key, fingerprint, o);
    try {
      const { rows } = await client.query<{ locked: boolean }>({ name: 'idempotency_try_lock', text: TRY_LOCK_KEY, values: [caller, key] });
      if (!rows[0]!.locked) {
        client.release();
        keyed.closed = true;
        o.onClose?.();
        return { held: false };
      }
      const found = await client.query<StoredRow>({ name: 'idempotency_find', text: FIND_ANSWER, values: [caller, key] });
      if (found.rows[0]) {
        await keyed.close();
        return { held: true, stored: found.rows[0] };
      }
      return { held: true, request: keyed };
    } catch (err) {
      keyed.broken = true;
      await keyed.close();
      throw err;
    }
  }

  /** Runs `fn` (the route's handler chain) with this request as the writers' `keyedRequest()`. */
  run(fn: () => void): void {
    current.run(this, fn);
  }

  /**
   * One write of the request, in a transaction of its own, kept open when `keep(result)`
   * (the answer will be stored with it), else rolled back; rolled back if it throws.
   */
  write<T>(fn: (db: Queryable) => Promise<T>, keep: (result: T) => boolean): Promise<T> {
    return this.serially('write', async () => {
      this.writes++;
      if (this.open) await this.end('COMMIT');
      await this.client.query('BEGIN');
      this.open = true;
      let result: T;
      try {
        result = await fn(this.client);
      } catch (err) {
        await this.end('ROLLBACK');
        throw err;
      }
      if (!keep(result)) await this.end('ROLLBACK');
      return result;
    });
  }

  /** A create may go through group commit with its answer (`grouped`) as the request's first write only. */
  mayGroup(): boolean {
    return this.o.group === true && this.writes === 0 && !this.closed;
  }

  /**
   * The request's create, through group commit (`apply`, given what to store with it): the
   * answer `answer(result)` is committed with the create, or nothing is.
   */
  grouped(apply: (keyed: KeyedCreate) => Promise<ChangeResult>, answer: KeyedCreate['answer']): Promise<ChangeResult> {
    return this.serially('write', async () => {
      this.writes++;
      const result = await apply({ caller: this.caller, key: this.key, fingerprint: this.fingerprint, ttlMs: this.o.ttlMs, answer });
      if (result.ok) this.stored = answer(result);
      return result;
    });
  }

  /**
   * A read of the request, on its connection (inside its open write, which it then sees): a
   * keyed request never waits for a second pooled connection while it holds one, so keyed
   * requests at once beyond the pool size cannot starve each other.
   */
  query(...args: Parameters<pg.PoolClient['query']>): Promise<unknown> {
    return this.serially('read', () => (this.client.query as (...a: unknown[]) => Promise<unknown>)(...args));
  }

  /**
   * Runs `fn` after the request's earlier writes and reads, never once it is answered: its
   * connection is back in the pool then, maybe serving another request.
   */
  private serially<T>(what: 'write' | 'read', fn: () => Promise<T>): Promise<T> {
    const next = this.last.then(() => {
      if (this.closed) throw new Error(`${what} after the keyed request was answered`);
      return fn();
    });
    this.last = next.catch(() => {});
    return next;
  }

  /**
   * Stores the answer with the request's last write (alone when it wrote nothing) and commits
   * both; nothing when a grouped create already committed this very answer.
   */
  async finish(answer: StoredAnswer): Promise<void> {
    await this.last;
    if (!this.open && this.stored && sameAnswer(this.stored, answer)) return;
    const row = { caller: this.caller, key: this.key, fingerprint: this.fingerprint, ttl_ms: this.o.ttlMs, ...answer };
    await this.client.query({ name: 'idempotency_store', text: STORE_ANSWERS, values: [JSON.stringify([row])] });
    if (this.open) await this.end('COMMIT');
  }

  /** The answer is not one to replay (an error): the last write, if still open, is undone. */
  async abandon(): Promise<void> {
    await this.last;
    if (this.open) await this.end('ROLLBACK');
  }

  /** Gives the key and the connection back; a connection in doubt is closed, which frees the key too. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.last;
    try {
      if (!this.broken) {
        if (this.open) await this.end('ROLLBACK');
        await this.client.query({ name: 'idempotency_unlock', text: UNLOCK_KEY, values: [this.caller, this.key] });
      }
    } catch {
      this.broken = true;
    } finally {
      this.client.release(this.broken);
      this.o.onClose?.();
    }
  }

  private async end(how: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    this.open = false;
    try {
      await this.client.query(how);
    } catch (err) {
      this.broken = true;
      throw err;
    }
    if (how === 'COMMIT') this.o.onCommit?.();
  }
}

const sameAnswer = (a: StoredAnswer, b: StoredAnswer) =>
  a.status === b.status && a.body === b.body && JSON.stringify(Object.entries(a.headers).sort()) === JSON.stringify(Object.entries(b.headers).sort());
