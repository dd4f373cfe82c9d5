/**
 * The closed set of errors the API answers with, as RFC 9457 problem details, and the one
 * function that maps anything thrown to one of them. 5xx bodies never carry the cause: it
 * goes to the log, with the request id the client can quote.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { databaseUnavailable, idReused } from '../db/errors.js';
import { MESSAGE_TOO_LARGE } from '../db/message-limit.js';

export interface FieldError {
  field: string;
  message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
  }
}

export const notFound = (label: string, id: string) => new Problem(404, 'Not Found', `${label} ${id} not found`);
export const preconditionFailed = (current: number) =>
  new Problem(412, 'Precondition Failed', `If-Match does not match the current version (${current})`, undefined, {
    etag: `"${current}"`,
  });
export const idUsed = (label: string) =>
  new Problem(409, 'Conflict', `this id belonged to a deleted ${label.toLowerCase()}; ids are never reused`, [
    { field: 'body.id', message: 'was used by a deleted entity' },
  ]);
/**
 * A write whose event would be a message over `L01_MAX_MESSAGE_BYTES`: it could never be
 * published, so it was refused and nothing was written (db/message-limit.ts).
 */
export const messageTooLarge = (bytes: number, limit: number) =>
  new Problem(413, 'Content Too Large',
    `this change would write an event whose message is up to ${bytes} bytes; events are limited to ${limit} bytes (L01_MAX_MESSAGE_BYTES), so nothing was written`,
    [{ field: 'body', message: `makes the entity's event larger than the message limit of ${limit} bytes` }]);
/** Idempotency-Key (api/idempotency): not a key; a key whose first request is still running; a key used for another request. */
export const badIdempotencyKey = new Problem(400, 'Bad Request', 'Idempotency-Key must be 1–255 printable ASCII characters (a quoted string is accepted)', [
  { field: 'headers.idempotency-key', message: 'must be 1–255 printable ASCII characters' },
]);
export const keyInFlight = new Problem(409, 'Conflict', 'a request with this Idempotency-Key is still being processed; retry once it is answered', [
  { field: 'headers.idempotency-key', message: 'is in use by a request still in flight' },
], { 'retry-after': '1' });
export const keyReused = new Problem(422, 'Unprocessable Content', 'this Idempotency-Key was used for another request (method, path or body differ); send a new key for a new request', [
  { field: 'headers.idempotency-key', message: 'was used for another request' },
]);
export const unavailable = (what: string) =>
  new Problem(503, 'Service Unavailable', `${what} is unavailable; retry shortly`, undefined, { 'retry-after': '1' });

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

interface PgError {
  code?: string;
  table?: string;
  detail?: string;
  column?: string;
}

function fromPostgres(err: PgError, message: string): Problem | null {
  const code = err.code ?? '';
  if (code === '23503') {
    // Foreign key: either the referenced row is missing (insert/update) or rows still
    // reference this one (delete). Name the tables and columns, never the constraint.
    const referenced = /is still referenced from table "([^"]+)"/.exec(err.detail ?? '');
    if (referenced) return new Problem(409, 'Conflict', `still referenced by ${referenced[1]}; delete those first`);
    const missing = /Key \(([^)]+)\)=\(([^)]*)\) is not present in table "([^"]+)"/.exec(err.detail ?? '');
    if (missing) {
      return new Problem(409, 'Conflict', `${missing[1]} ${missing[2]} does not exist in ${missing[3]}`, [
        { field: `body.${missing[1]}`, message: `no ${missing[3]} row with id ${missing[2]}` },
      ]);
    }
    return new Problem(409, 'Conflict', 'a referenced entity does not exist');
  }
  if (idReused(err)) return idUsed('entity');
  if (code === MESSAGE_TOO_LARGE) {
    const [bytes, limit] = (err.detail ?? '').split(' ').map(Number);
    return messageTooLarge(bytes ?? Number.NaN, limit ?? Number.NaN);
  }
  if (code === '23505') {
    const dup = /Key \(([^)]+)\)=\(([^)]*)\) already exists/.exec(err.detail ?? '');
    return new Problem(409, 'Conflict', dup ? `${dup[1]} ${dup[2]} already exists` : 'already exists',
      dup ? [{ field: `body.${dup[1]}`, message: 'must be unique' }] : undefined);
  }
  if (code.startsWith('22') || code === '23502' || code === '23514') {
    // Data errors the validation should have caught; still the client's input, never a 500.
    return new Problem(400, 'Bad Request', 'a value cannot be stored', err.column ? [{ field: `body.${err.column}`, message: 'invalid value' }] : undefined);
  }
  if (databaseUnavailable({ code, message })) return unavailable('the database');
  return null;
}

function fromFastify(err: FastifyError): Problem | null {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'body';
    const errors = err.validation.flatMap((v): FieldError[] => {
      const path = v.instancePath.split('/').filter(Boolean);
      const field = (...extra: string[]) => [where, ...path, ...extra].join('.');
      const unknownKeys = (v.params as { keys?: string[] }).keys;
      if (v.keyword === 'unrecognized_keys' && unknownKeys) {
        return unknownKeys.map((k) => ({ field: field(k), message: 'is not a known field' }));
      }
      return [{ field: field(), message: v.message ?? 'invalid' }];
    // Once each: one value can fail two checks alike (digits past 2^53 and past its field's maximum).
    }).filter((e, i, all) => all.findIndex((o) => o.field === e.field && o.message === e.message) === i);
    const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return new Problem(400, 'Bad Request', detail, errors);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem(413, 'Content Too Large', err.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(415, 'Unsupported Media Type', 'send application/json');
    // The router fails on the path before it knows the route's parameters: name the path's.
    case 'FST_ERR_BAD_URL':
      return new Problem(400, 'Bad Request', 'the URL path is not valid percent-encoded UTF-8', [
        { field: 'params', message: 'is not valid percent-encoded UTF-8' },
      ]);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new Problem(414, 'URI Too Long', 'a path segment is too long', [{ field: 'params', message: 'is too long' }]);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new Problem(400, 'Bad Request', err.message, [{ field: 'body', message: err.message }]);
  }
  if (err instanceof SyntaxError) {
    return new Problem(400, 'Bad Request', 'body is not valid JSON', [{ field: 'body', message: 'invalid JSON' }]);
  }
  // Other fastify errors with a 4xx status are about the request (bad header, etc.).
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new Problem(err.statusCode, STATUS_CODES[err.statusCode] ?? 'Bad Request', err.message);
  }
  return null;
}

/** Maps anything thrown in a request to a problem; null means "unexpected: a 500". */
export function toProblem(err: unknown): Problem | null {
  if (err instanceof Problem) return err;
  const e = err as FastifyError & PgError;
  return fromFastify(e) ?? fromPostgres(e, String(e?.message ?? ''));
}

export function problemBody(p: Problem, instance?: string): ProblemBody {
  return {
    type: 'about:blank',
    title: p.title,
    status: p.status,
    ...(p.detail ? { detail: p.detail } : {}),
    ...(instance ? { instance } : {}),
    ...(p.errors ? { errors: p.errors } : {}),
  };
}
