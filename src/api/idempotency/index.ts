/**
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) on POST, PUT, PATCH and
 * DELETE of every route a normal key can call, on both surfaces: the first answer is stored
 * with the write, in the same transaction (session.ts), and a retry with the same key gets
 * that answer again (status, body, ETag, Location; `Idempotent-Replayed: true`) without a
 * second write.
 *
 *   same key, other request      422 (method, path and body are its fingerprint)
 *   same key, first in flight    409 with Retry-After, at once
 *   key expired                  a new request (`L01_IDEMPOTENCY_TTL_MS`, default 24 h)
 *
 * Only 2xx answers are stored: an error wrote nothing (its write is rolled back), so a retry
 * runs again. Keys belong to the caller (`req.caller.id`). Requests without the header take
 * the shared path, group commit included, unchanged; a keyed create whose route says its
 * answer (respond.ts `createHandler`) is group-committed with that answer (session.ts `grouped`).
 *
 * A keyed request holds a pooled connection from the check to its answer, and reads on it
 * too (`keyedReads`): keyed writes at once beyond the pool size wait for a connection, then
 * answer 503 (L01_PG_CONNECT_TIMEOUT_MS), as any request does.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Pool } from '../../db/pool.js';
import { badIdempotencyKey as badKey, keyInFlight, keyReused, Problem } from '../problems.js';
import { KeyedRequest } from './session.js';

export { keyedReads, keyedRequest } from './session.js';

export const REPLAYED_HEADER = 'idempotent-replayed';

export interface IdempotencyOptions {
  db: Pool;
  /**
   * Keyed requests holding a connection at once; more wait for a turn (up to `waitMs`, then
   * 503). Default: the pool's size less 2, so group commit, unkeyed reads and readiness keep
   * connections under a burst of keyed writes (the typed client keys every write).
   */
  maxSessions?: number;
  /** How long a keyed request waits for its turn, ms. Default 10000 (well inside the 30 s request timeout). */
  waitMs?: number;
  /** How long an answer is replayed, ms (`L01_IDEMPOTENCY_TTL_MS`). */
  ttlMs: number;
  onCommit?: () => void;
}

const keyedBusy = new Problem(503, 'Service Unavailable', 'too many writes with an Idempotency-Key at once; retry with the same key', undefined, { 'retry-after': '1' });

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The answer's headers a replay repeats. */
const REPLAYED = ['content-type', 'etag', 'location'];
/** Printable ASCII, 1–255: a uuid, or anything a client draws. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** The key as sent: a bare token, or an RFC 8941 string (`"…"`), as the draft spells it. */
function parseKey(header: string | string[]): string {
  if (typeof header !== 'string') throw badKey;
  const m = /^"((?:[^"\\]|\\["\\])*)"$/.exec(header.trim());
  const key = m ? m[1]!.replace(/\\(["\\])/g, '$1') : header.trim();
  if (!KEY.test(key)) throw badKey;
  return key;
}

/** Method, path with query, and a digest of the body as parsed (key order kept). */
function fingerprint(req: FastifyRequest): string {
  const body = req.body === undefined ? '' : JSON.stringify(req.body);
  return createHash('sha256').update(`${req.method} ${req.url}\n`).update(body).digest('hex');
}

/** What the routes send is text (JSON as it left Postgres, or serialised): stored as it went out. */
function bodyText(payload: unknown): string {
  if (payload === undefined || payload === null) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  // A stream cannot be stored: failing here rolls the write back rather than leave it unanswerable.
  throw new Error('an answer to replay must be text');
}

const sessions = new WeakMap<FastifyRequest, KeyedRequest>();

/**
 * A counting semaphore: `take()` resolves with its release (callable more than once, acting
 * once) when one of `size` turns is free, in arrival order; after `waitMs` it fails with a 503.
 */
class Turns {
  private busy = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly size: number, private readonly waitMs: number) {}

  take(): Promise<() => void> {
    const release = () => {
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const next = this.queue.shift();
        if (next) next();
        else this.busy--;
      };
    };
    if (this.busy < this.size) {
      this.busy++;
      return Promise.resolve(release());
    }
    return new Promise((resolve, reject) => {
      const turn = () => {
        clearTimeout(timer);
        resolve(release());
      };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(turn), 1);
        reject(keyedBusy);
      }, this.waitMs);
      this.queue.push(turn);
    });
  }
}

/** The pool's own size, when it is a pg.Pool. */
const poolOptions = (db: Pool): { max?: number } => (db as { options?: { max?: number } }).options ?? {};

async function idempotency(app: FastifyInstance, o: IdempotencyOptions) {
  const size = poolOptions(o.db).max ?? 10;
  const most = o.maxSessions ?? Math.max(1, size - 2);
  const turns = new Turns(most, o.waitMs ?? 10_000);
  // A grouped create waits for a connection of the group committer while its request holds
  // one: only when the sessions leave the pool a connection to spare.
  const group = size > most;
  /** undefined: not keyed; 'replayed': answered here; else the request's session. */
  async function begin(req: FastifyRequest, reply: FastifyReply): Promise<KeyedRequest | 'replayed' | undefined> {
    const header = req.headers['idempotency-key'];
    if (header === undefined || !WRITES.has(req.method) || req.routeOptions.config?.scope !== 'user') return undefined;
    const key = parseKey(header);
    const print = fingerprint(req);
    const release = await turns.take();
    const taken = await KeyedRequest.take(o.db, req.caller?.id ?? 'anonymous', key, print, { ttlMs: o.ttlMs, group, onCommit: o.onCommit, onClose: release })
      .catch((err: unknown) => (release(), Promise.reject(err)));
    if (!taken.held) throw keyInFlight;
    if ('request' in taken) return taken.request;
    const { stored } = taken;
    if (stored.fingerprint !== print) throw keyReused;
    void reply.code(stored.status).headers({ ...stored.headers, [REPLAYED_HEADER]: 'true' }).send(stored.body);
    return 'replayed';
  }

  // Callback style: the rest of the request (validation, handler) runs inside `keyed.run`,
  // where the writer finds it.
  app.addHook('preValidation', (req, reply, done) => {
    begin(req, reply).then((keyed) => {
      // Answered: the chain stops here (no validation, no handler).
      if (keyed === 'replayed') return;
      if (!keyed) return done();
      sessions.set(req, keyed);
      keyed.run(done);
    }, done);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const keyed = sessions.get(req);
    if (!keyed) return payload;
    sessions.delete(req);
    try {
      if (reply.statusCode >= 200 && reply.statusCode < 300) {
        const headers: Record<string, string> = {};
        for (const name of REPLAYED) {
          const value = reply.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        await keyed.finish({ status: reply.statusCode, headers, body: bodyText(payload) });
      } else {
        await keyed.abandon();
      }
    } finally {
      await keyed.close();
    }
    return payload;
  });
}

export default fp(idempotency, { name: 'idempotency' });
