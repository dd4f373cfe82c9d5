/**
 * Errors as the original service answered them, for its routes: the closed set of problems
 * (api/problems.ts) rendered in the original's bodies, which its callers were written
 * against:
 *
 *   401  {"error":"authentication_required"|"invalid_api_key","message":…,"details":{…}}
 *   404  {"detail":"Goal not found"}
 *   422  {"detail":[{"type","loc":["body","name"],"msg","input"}]}   a body or query that fails its schema,
 *        or a body the JSON parser refused (invalid JSON or UTF-8, an integer it cannot hold)
 *   400, 409, 412, 413, 415, 503  {"detail":"…"}   (the original answered 500 for conflicts)
 *   500  {"detail":"Internal Server Error"}   the cause goes to the log, never to the caller
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { TOKEN_HINT } from '../auth/credentials.js';
import { LoadShed } from '../plugins/body-budget.js';
import { Problem, toProblem } from '../problems.js';

/** A body or query parameters that fail their schema: 422 with zod's issues in the original's form. */
export class CompatValidationError extends Error {
  constructor(readonly where: 'body' | 'query' | 'path', readonly issues: readonly z.core.$ZodIssue[], readonly input: unknown) {
    super('validation failed');
  }
}

/** The original's 404: `{"detail": "<Thing> not found"}`. */
export const compatNotFound = (detail: string) => new Problem(404, 'Not Found', detail);

function validationBody(err: CompatValidationError) {
  return {
    detail: err.issues.map((i) => {
      const path = i.path.map(String);
      let input: unknown = err.input;
      for (const p of path) input = input && typeof input === 'object' ? (input as Record<string, unknown>)[p] : undefined;
      return { type: i.code, loc: [err.where, ...path], msg: i.message, input: input ?? null };
    }),
  };
}

/** No credential: authentication_required; one that is refused: invalid_api_key, saying why when it is not simply unknown (an expired key, a JWT). */
function authBody(p: Problem) {
  if (p.detail === TOKEN_HINT) {
    return {
      error: 'authentication_required',
      message: 'Missing API key. Provide X-API-Key header or Authorization: Bearer token.',
      details: { supported_methods: ['X-API-Key', 'Authorization Bearer'] },
    };
  }
  return { error: 'invalid_api_key', message: p.detail === 'invalid token' ? 'Invalid API key provided' : p.detail, details: { key_prefix: '***' } };
}

/** The error handler of the original's routes. */
export function sendCompatError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof CompatValidationError) return reply.code(422).send(validationBody(err));
  const p = toProblem(err);
  if (!p) {
    req.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ detail: 'Internal Server Error' });
  }
  // Shed load is logged by the budget itself, not once per refused request.
  if (p.status >= 500 && !(p instanceof LoadShed)) req.log.warn({ err: (err as Error).message, status: p.status }, 'dependency unavailable');
  reply.headers(p.headers ?? {});
  if (p.status === 401) return reply.code(401).send(authBody(p));
  // A body the parser refused (not JSON, not UTF-8, an inexact integer) names its fields: the
  // original answered those as validation errors, 422.
  if (p.status === 400 && p.errors?.length) {
    return reply.code(422).send({ detail: p.errors.map((e) => ({ type: 'value_error', loc: e.field.split('.'), msg: e.message, input: null })) });
  }
  return reply.code(p.status).send({ detail: p.detail ?? p.title });
}
