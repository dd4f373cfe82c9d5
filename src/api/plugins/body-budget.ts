/**
 * The request bodies one API process receives and works on at once, bounded by bytes:
 * a request that does not fit in the budget is answered 503 (problem details,
 * `Retry-After`) before a byte of its body is read. Shedding costs nothing; running out of
 * heap kills every request in flight (before this budget, 8 clients sending 1 MiB bodies
 * took the API past its 112 MB heap 13 times in 45 s).
 *
 *   declared Content-Length   reserved when the request arrives (onRequest)
 *   chunked body              reserved as it streams in, chunk by chunk (preParsing)
 *   parsing it                the JSON parser reserves more before JSON.parse, for what
 *                             the parsed value costs beyond its text (json-body.ts)
 *   released                  when the response is finished or the connection closed
 *
 * What a reservation covers is everything the request holds while it runs: the body's
 * buffer and string, the parsed value and its validation, the JSON the write path
 * serialises, the group-commit statement it joins, the row that comes back and the
 * answer. A request bigger than the whole budget is not refused forever: it goes when it
 * is alone, as one huge event travels alone in the relay.
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
   * Reserves `bytes` more for `req`; false when they do not fit (a request alone in the
   * budget always fits).
   */
  grow(req: FastifyRequest, bytes: number): boolean;
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

/** The accounting alone: bytes held per request, and whether more fit. */
export function createBodyBudget(limit: number): Omit<BodyBudget, 'shed'> & {
  reserve(req: IncomingMessage, bytes: number): boolean;
  release(req: IncomingMessage): void;
} {
  const held = new Map<IncomingMessage, number>();
  let used = 0;
  const fits = (raw: IncomingMessage, bytes: number) =>
    used + bytes <= limit || held.size === 0 || (held.size === 1 && held.has(raw));
  const reserve = (raw: IncomingMessage, bytes: number) => {
    if (bytes === 0) return true;
    if (!fits(raw, bytes)) return false;
    held.set(raw, (held.get(raw) ?? 0) + bytes);
    used += bytes;
    return true;
  };
  return {
    get used() {
      return used;
    },
    limit,
    reserve,
    grow: (req, bytes) => reserve(req.raw, bytes),
    release(raw) {
      const bytes = held.get(raw);
      if (bytes === undefined) return;
      held.delete(raw);
      used -= bytes;
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
    grow: budget.grow,
    shed: refusal,
  } satisfies BodyBudget);

  // The unread body of a refused request is drained and dropped by Node after the answer
  // (never buffered), so the connection stays usable; the request timeout bounds a client
  // that never finishes sending it.
  app.addHook('onRequest', (req, reply, done) => {
    // Only a request that frames a body (a length or chunks) can reach a body parser.
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return done();
    reply.raw.once('close', () => budget.release(req.raw));
    const size = declared(req.raw);
    if (size === null || (size !== 'chunked' && size > o.bodyLimit)) return done();
    // A chunked body starts with one byte: it needs room for at least that.
    if (!budget.reserve(req.raw, size === 'chunked' ? 1 : size)) return done(refusal(req));
    done();
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
