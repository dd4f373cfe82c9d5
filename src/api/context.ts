import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { EventMetadata } from '../db/write.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id: the caller's `X-Request-Id` when it is a sane token, else a new uuid. */
export function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

/** What every event written by this request records about its origin. */
export function eventMetadata(req: FastifyRequest): EventMetadata {
  const correlation = req.headers['x-correlation-id'];
  return {
    request_id: req.id,
    correlation_id: typeof correlation === 'string' && SAFE_ID.test(correlation) ? correlation : req.id,
    caller: req.caller?.id,
  };
}

/**
 * The version an `If-Match` header demands: undefined when absent or `*`,
 * -1 when it cannot match any version (so the write answers 412).
 */
export function expectedVersion(req: FastifyRequest): number | undefined {
  const header = req.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  // Strong comparison (RFC 9110 §13.1.1): a weak tag W/"n" never matches If-Match.
  const m = /^\s*"?(\d{1,9})"?\s*$/.exec(header);
  return m ? Number(m[1]) : -1;
}
