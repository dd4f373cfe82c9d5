/**
 * What the special-purpose routes share with the generic ones: writing through the app's
 * writer (and waking the relay after a commit), and answering with a row as JSON text plus
 * its ETag.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findByKey } from '../db/domain/lookup.js';
import type { Entity } from '../db/entity.js';
import { applyBatch, type BatchChange, type BatchOutcome } from '../db/batch.js';
import type { ApplyChange } from '../db/group-commit.js';
import type { KeyedCreate } from '../db/idempotency.js';
import type { PageResult } from '../db/page.js';
import type { Pool, Queryable } from '../db/pool.js';
import { inTransaction } from '../db/transaction.js';
import { applyChange, type Change, type ChangeResult, type WriteLimits } from '../db/write.js';
import { traceBatch, traceWrites } from '../telemetry/write-span.js';
import { tracingActive } from '../telemetry/tracing.js';
import { eventMetadata } from './context.js';
import { keyedRequest } from './idempotency/session.js';
import { idUsed, notFound, preconditionFailed } from './problems.js';

/** What a create route answers, from the create's result alone (its Idempotency-Key answer, stored with it). */
export type Answering = KeyedCreate['answer'];

export interface Writer {
  /** One change; a create given `answer` and sent with an Idempotency-Key goes through group commit with that answer. */
  (change: Change, answer?: Answering): Promise<ChangeResult>;
  /** Several changes in one transaction, all or nothing (db/batch.ts); none written unless `ok`. */
  batch(changes: readonly BatchChange[]): Promise<BatchOutcome>;
}

/**
 * The app's writer: THE write path (db/write.ts, creates grouped by `groupCommit`), plus the
 * relay's wake-up signal after each committed change, and a span per change while the
 * service traces. One per app: every route writes through it. A request sent with an
 * Idempotency-Key writes on its own connection instead, each write held open until its
 * answer is stored with it (idempotency/session.ts).
 */
export function writer(apply: ApplyChange, db: Pool, onCommit?: () => void, limits?: WriteLimits): Writer {
  /** `answer` given: the keyed request's create, through group commit with its answer. */
  const route = (change: Change, answer?: Answering): Promise<ChangeResult> => {
    const keyed = keyedRequest();
    if (!keyed) return apply(change);
    if (answer && change.op === 'create') return keyed.grouped((k) => apply({ ...change, keyed: k }), answer);
    return keyed.write((c) => applyChange(c, change, limits), (r) => r.ok);
  };
  const traced = tracingActive() ? traceWrites(route) : route;
  const write = async (change: Change, answer?: Answering) => {
    const keyed = keyedRequest();
    // A keyed request's first write, a create that says its answer: grouped, committed with it.
    const grouped = keyed !== undefined && answer !== undefined && change.op === 'create' && keyed.mayGroup();
    const result = await traced(change, grouped ? answer : undefined);
    // A keyed write on its request's connection commits with the answer later (idempotency/session.ts), which wakes the relay then.
    if (result.ok && (!keyed || grouped)) onCommit?.();
    return result;
  };
  const runBatch = async (changes: readonly BatchChange[]) => {
    const run = (c: Queryable) => applyBatch(c, changes, limits);
    const keyed = keyedRequest();
    if (keyed) return keyed.write(run, (o) => o.ok);
    const outcome = await inTransaction(db, run, (o) => o.ok);
    if (outcome.ok) onCommit?.();
    return outcome;
  };
  const batch = (changes: readonly BatchChange[]) => (tracingActive() ? traceBatch(changes, runBatch) : runBatch(changes));
  return Object.assign(write, { batch });
}

export interface RouteDeps {
  db: Queryable;
  write: Writer;
}

/** Sends JSON text as it left Postgres (never parsed in Node), with `ETag: "<version>"` when given. */
export function sendJson(reply: FastifyReply, status: number, body: string, version?: number) {
  return reply.code(status).headers(jsonHeaders(version)).send(body);
}

/** The headers of JSON text sent with sendJson (a create's stored answer repeats them). */
const jsonHeaders = (version?: number): Record<string, string> =>
  version === undefined ? { 'content-type': JSON_TYPE } : { 'content-type': JSON_TYPE, etag: `"${version}"` };
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A page of a list: the rows as JSON text (a bare array, as before cursors existed) and,
 * when more follow, where to continue — `X-Next-Cursor: <next>` and `Link: <this request
 * with param=<next> and no offset>; rel="next"` (RFC 8288, relative to the request). The
 * last page has neither: a reader stops when they are absent.
 */
export function sendPage(req: FastifyRequest, reply: FastifyReply, page: PageResult, param: string, next = (raw: string) => raw) {
  if (page.next !== null) {
    const value = next(page.next);
    const url = new URL(req.url, 'http://l01.invalid');
    url.searchParams.delete('offset');
    url.searchParams.set(param, value);
    reply.header('x-next-cursor', value);
    reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  return sendJson(reply, 200, page.body);
}

/**
 * The written row, or the problem a failed write means: 412 (stale If-Match), 409 (a create
 * naming a deleted entity's id) or 404 (the row went away between the route's lookup and
 * the write: "<label> <id> not found").
 */
export function sendWritten(reply: FastifyReply, result: ChangeResult, label: string, id: string, status = 200) {
  if (result.ok) return sendJson(reply, status, result.body, result.version);
  if (result.reason === 'version_mismatch') throw preconditionFailed(result.currentVersion);
  if (result.reason === 'id_used') throw idUsed(label);
  throw notFound(label, id);
}

/** The header every write may carry (api/idempotency). */
export const idempotencyHeaders = z.object({
  'idempotency-key': z.string().optional()
    .describe('Any 1–255 printable ASCII characters (e.g. a uuid): a retry with the same key gets the first answer again (Idempotent-Replayed: true) instead of a second write. Kept L01_IDEMPOTENCY_TTL_MS (24 h).'),
});

export const ifMatchHeaders = idempotencyHeaders.extend({
  'if-match': z.string().optional().describe('"<version>": write only if still at that version (else 412).'),
});

export const deletedSchema = z.object({ message: z.string() });

/**
 * The handler of a route that creates `entity` from its validated body: the write, 201,
 * the row and its ETag, and `Location: location(id, body)` (default `/api/<table>/<id>`).
 */
export function createHandler(entity: Entity, write: Writer, location = (id: string, _body: Record<string, unknown>) => `/api/${entity.table}/${id}`) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const body = req.body as Record<string, unknown>;
    // The answer it declares is the answer it sends: a keyed create stores it before it is sent.
    const answer: Answering = (r) => ({ status: 201, headers: { ...jsonHeaders(r.version), location: location(r.id, body) }, body: r.body });
    const result = await write({ op: 'create', entity, data: body, metadata: eventMetadata(req) }, answer);
    if (!result.ok) return sendWritten(reply, result, entity.label, '', 201);
    const sent = answer(result);
    return reply.code(sent.status).headers(sent.headers).send(sent.body);
  };
}

/**
 * The handler of a route that reads one `entity` by a unique key: the route's params are
 * the key's columns. 404 names it as `<label> <name(params)>`.
 */
export function byKeyHandler(db: Queryable, entity: Entity, label: string, name: (key: Record<string, string>) => string) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const key = req.params as Record<string, string>;
    const found = await findByKey(db, entity, key);
    if (!found) throw notFound(label, name(key));
    return sendJson(reply, 200, found.body, found.version);
  };
}
