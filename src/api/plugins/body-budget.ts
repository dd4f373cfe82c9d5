/**
 * The request bodies one API process receives and works on at once, bounded by bytes:
 * a request that does not fit in the budget waits for room, its body unread, at most
 * WAIT_MS (1 s), and is then answered 503 (problem details, `Retry-After`). Running out of
 * heap kills every request in flight (before this budget, 8 clients sending 1 MiB bodies
 * took the API past its 112 MB heap 13 times in 45 s).
 *
 * Why wait rather than refuse at once: a refused body is still read off the connection
 * (Node drains it to keep the connection usable), and a client that retries at once sends
 * it again. 8 clients sending 1 MiB bodies back to back for 10 s (tests/hardening/body-flood),
 * refused at once: 1,464-2,758 503s beside 182-240 bodies written (146-276 MB/s read
 * and dropped), peak RSS 195-215 MB (6 runs, one over the 200 MB bound as in CI: 209.8);
 * waiting: no 503, 160-238 written, peak 168-181 MB (7 runs). The costliest shapes (parses
 * 5-20 times their size) peaked at 208 and 224 MB in two CI runs of the old code, and at
 * 199-214 MB (492-1,608 503s per shape, 5 runs) with only the arrivals waiting; with the
 * parses waiting too, one at a time: 18-36 503s per shape, 179-186 MB (7 runs). What waits
 * holds one socket read of its body (64 KiB) at most, and the queue holds at most one
 * budget of that: beyond, a body is refused at once.
 *
 *   declared Content-Length   reserved when the request arrives (onRequest)
 *   chunked body              reserved as it streams in, chunk by chunk (preParsing)
 *   parsing it                the JSON parser reserves more before JSON.parse, for what
 *                             the parsed value costs beyond its text (json-body.ts); while
 *                             that waits, arriving bodies wait behind it
 *   released                  when the response is finished or the connection closed
 *
 * What a reservation covers is everything the request holds while it runs: the body's
 * buffer and string, the parsed value and its validation, the JSON the write path
 * serialises, the group-commit statement it joins, the row that comes back and the
 * answer. A request bigger than the whole budget is not refused forever: it goes when it
 * is alone (or, to be parsed, when every other request is waiting to be), as one huge
 * event travels alone in the relay.
 *
 * The default (L01_INFLIGHT_BODY_BYTES, 4 MiB) is measured: 16 clients sending 1 MiB
 * bodies to the compiled API (112 MB old-space cap, ~50 MB live when idle), `--trace-gc`:
 * the live heap after a full GC peaked at 64 / 82 / 98 MB with a budget of 2 / 4 / 8 MiB.
 * Each MiB of body in flight holds ~9 MB of heap through the write path; at 8 MiB the
 * flood test saw a heap-exhaustion death, 4 MiB keeps a quarter of the cap free. It also
 * matches group commit (db/group-commit.ts caps a statement at 4 MiB of JSON): the creates
 * in flight fit in one statement.
 */
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../problems.js';

export interface BodyBudget {
  /** Bytes reserved now, over all requests. */
  readonly used: number;
  readonly limit: number;
  /**
   * Reserves `bytes` more for `req`, whose body is read: at once, or once they fit (at
   * most WAIT_MS); false when they did not (a request alone in the budget always fits).
   */
  grow(req: FastifyRequest, bytes: number): true | Promise<boolean>;
  /** The 503 for a request that does not fit (counted, and logged at most every 10 s). */
  shed(req: FastifyRequest): LoadShed;
}

export interface BodyBudgetOptions {
  /** Bytes of bodies in flight at once (L01_INFLIGHT_BODY_BYTES). */
  limit: number;
  /** L01_BODY_LIMIT: a declared body larger than this is Fastify's 413, not a reservation. */
  bodyLimit: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    bodyBudget: BodyBudget;
  }
}

const RETRY_AFTER_S = 1;
/** A body waits for room this long at most: what a client told to retry after RETRY_AFTER_S would wait anyway. */
export const WAIT_MS = 1000;
/** How often at most a line says that bodies were shed (a flood would otherwise log each one). */
const LOG_EVERY_MS = 10_000;

/** A request shed by the budget: a 503 of its own, logged once per LOG_EVERY_MS, not per request. */
export class LoadShed extends Problem {
  constructor() {
    super(503, 'Service Unavailable', 'too many request bodies in flight; retry shortly', undefined, { 'retry-after': String(RETRY_AFTER_S) });
  }
}

/** The declared body length: a number, 'chunked' (counted as it streams), or null (no body). */
function declared(req: IncomingMessage): number | 'chunked' | null {
  const length = req.headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  }
  return req.headers['transfer-encoding'] !== undefined ? 'chunked' : null;
}

/**
 * What a request waiting for room holds of its body at most: Node's parser hands the
 * request stream one read of the socket (64 KiB) and stops reading once the stream's
 * buffer is full.
 */
const READ_AHEAD = 64 * 1024;

/** A request waiting for room: how much, whether it already holds its body, and how it is told. */
interface Waiter {
  raw: IncomingMessage;
  bytes: number;
  /** Waiting to grow (its body read, its parse to come), not to be admitted. */
  growing: boolean;
  settle(admitted: boolean): void;
}

/** The accounting alone: bytes held per request, whether more fit, and who waits for room. */
export function createBodyBudget(limit: number): {
  readonly used: number;
  readonly limit: number;
  /** Requests waiting for room now. */
  readonly waiting: number;
  /** `bytes` more for `req` (a chunk of its body) now, or not at all: as grow(), without waiting. */
  reserve(req: IncomingMessage, bytes: number): boolean;
  /**
   * A declared body, before it is read: `true` when `bytes` fit now, else whether they
   * did within `waitMs` (false at once when what the waiting requests hold, READ_AHEAD
   * each at most, would pass the budget). Bodies wait while a request waits to grow.
   */
  admit(req: IncomingMessage, bytes: number, waitMs: number): true | Promise<boolean>;
  /**
   * `bytes` more for a request that holds its body already: `true` when they fit now, or
   * when every other request holding room waits to grow (one at a time, in arrival
   * order), else whether that came within `waitMs`.
   */
  grow(req: IncomingMessage, bytes: number, waitMs: number): true | Promise<boolean>;
  /** Releases what `req` holds, and takes it out of the queue. */
  release(req: IncomingMessage): void;
} {
  const held = new Map<IncomingMessage, number>();
  // In arrival order; those waiting to grow are served first.
  const queue: Waiter[] = [];
  /** Requests waiting to grow. */
  const growers = new Set<IncomingMessage>();
  let used = 0;
  /** What the requests waiting to be admitted hold (READ_AHEAD each at most). */
  let admitting = 0;
  /** Requests other than `raw` holding room that are not waiting to grow. */
  const active = (raw: IncomingMessage) => {
    let n = held.size - (held.has(raw) ? 1 : 0);
    for (const g of growers) if (g !== raw && held.has(g)) n--;
    return n;
  };
  const fits = (raw: IncomingMessage, bytes: number, grower: boolean) => {
    if (used + bytes <= limit) return grower || growers.size === 0;
    // Alone; or, growing, among requests that all wait to grow (pump() serves them in order).
    return grower ? active(raw) === 0 : held.size - (held.has(raw) ? 1 : 0) === 0;
  };
  const take = (raw: IncomingMessage, bytes: number) => {
    held.set(raw, (held.get(raw) ?? 0) + bytes);
    used += bytes;
    return true as const;
  };
  const dequeue = (w: Waiter) => {
    queue.splice(queue.indexOf(w), 1);
    if (w.growing) growers.delete(w.raw);
    else admitting -= Math.min(w.bytes, READ_AHEAD);
  };
  const pump = () => {
    if (queue.length === 0) return;
    for (const w of [...queue.filter((x) => x.growing), ...queue.filter((x) => !x.growing)]) {
      if (!fits(w.raw, w.bytes, w.growing)) continue;
      dequeue(w);
      take(w.raw, w.bytes);
      w.settle(true);
    }
  };
  const wait = (raw: IncomingMessage, bytes: number, grower: boolean, waitMs: number) =>
    new Promise<boolean>((resolve) => {
      const w: Waiter = {
        raw, bytes, growing: grower,
        settle(admitted) {
          clearTimeout(timer);
          resolve(admitted);
        },
      };
      const timer = setTimeout(() => {
        dequeue(w);
        resolve(false);
        // A grower that gave up may have been what the bodies behind it waited for.
        pump();
      }, waitMs);
      queue.push(w);
      if (grower) growers.add(raw);
      else admitting += Math.min(bytes, READ_AHEAD);
    });
  return {
    get used() {
      return used;
    },
    get waiting() {
      return queue.length;
    },
    limit,
    reserve: (raw, bytes) => bytes === 0 || (fits(raw, bytes, true) && take(raw, bytes)),
    admit(raw, bytes, waitMs) {
      if (fits(raw, bytes, false)) return take(raw, bytes);
      if (admitting + Math.min(bytes, READ_AHEAD) > limit) return Promise.resolve(false);
      return wait(raw, bytes, false, waitMs);
    },
    grow(raw, bytes, waitMs) {
      if (bytes === 0 || fits(raw, bytes, true)) return bytes === 0 || take(raw, bytes);
      return wait(raw, bytes, true, waitMs);
    },
    release(raw) {
      if (queue.length > 0) {
        const w = queue.find((x) => x.raw === raw);
        if (w) {
          dequeue(w);
          w.settle(false);
        }
      }
      const bytes = held.get(raw);
      if (bytes !== undefined) {
        held.delete(raw);
        used -= bytes;
      }
      pump();
    },
  };
}

async function bodyBudget(app: FastifyInstance, o: BodyBudgetOptions) {
  const budget = createBodyBudget(o.limit);
  let shed = 0;
  let loggedAt = 0;

  const refusal = (req: FastifyRequest) => {
    shed++;
    const now = Date.now();
    if (now - loggedAt >= LOG_EVERY_MS) {
      req.log.warn({ shed, inFlightBytes: budget.used, budgetBytes: budget.limit }, 'request bodies shed: the in-flight budget is full');
      loggedAt = now;
      shed = 0;
    }
    return new LoadShed();
  };
  app.decorate('bodyBudget', {
    get used() {
      return budget.used;
    },
    limit: budget.limit,
    grow: (req, bytes) => budget.grow(req.raw, bytes, WAIT_MS),
    shed: refusal,
  } satisfies BodyBudget);

  // A declared body that does not fit waits for room, unread (Node reads ahead no more than
  // the request's stream buffer, then stops reading the socket), at most WAIT_MS, then is
  // refused. The unread body of a refused request is drained and dropped by Node after the
  // answer (never buffered), so the connection stays usable; the request timeout bounds a
  // client that never finishes sending it.
  app.addHook('onRequest', (req, reply, done) => {
    // Only a request that frames a body (a length or chunks) can reach a body parser.
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return done();
    reply.raw.once('close', () => budget.release(req.raw));
    const size = declared(req.raw);
    if (size === null || (size !== 'chunked' && size > o.bodyLimit)) return done();
    // A chunked body starts with one byte: it needs room for at least that (and does not wait).
    if (size === 'chunked') return budget.reserve(req.raw, 1) ? done() : done(refusal(req));
    const room = budget.admit(req.raw, size, WAIT_MS);
    if (room === true) return done();
    void room.then((admitted) => (admitted ? done() : done(refusal(req))));
  });

  // A chunked body declares no length: each chunk is reserved as it arrives. One that does
  // not fit ends the request with the same 503, and the connection with it (the rest of
  // the body is never read).
  app.addHook('preParsing', (req, reply, payload, done) => {
    if (declared(req.raw) !== 'chunked') return done(null, payload);
    const counted = new Transform({
      transform(chunk: Buffer, _enc, next) {
        if (budget.reserve(req.raw, chunk.length)) return next(null, chunk);
        reply.header('connection', 'close');
        next(refusal(req));
      },
    });
    payload.on('error', (err) => counted.destroy(err));
    done(null, payload.pipe(counted));
  });
}

export default fp(bodyBudget, { name: 'body-budget' });
