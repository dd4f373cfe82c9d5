import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { EventMetadata } from '../db/write.js';
import { incomingTraceContext, toTraceContext } from '../telemetry/trace-context.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id: the caller's `X-Request-Id` when it is a sane token, else a new uuid. */
export function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

/**
 * What every event written by this request records about its origin, and the W3C trace
 * context it continues (`traceparent`, `tracestate`): that of the request's span when the
 * service traces (the write span replaces it with its own: telemetry/write-span.ts), else
 * the caller's headers as they came, when valid (telemetry/trace-context.ts). The metadata
 * is what every message of the event carries (wire/message.ts `messageTraceContext`).
 */
export function eventMetadata(req: FastifyRequest): EventMetadata {
  const correlation = req.headers['x-correlation-id'];
  const meta: EventMetadata = {
    request_id: req.id,
    correlation_id: typeof correlation === 'string' && SAFE_ID.test(correlation) ? correlation : req.id,
    caller: req.caller?.id,
  };
  const trace = req.traceSpan ? toTraceContext(req.traceSpan.spanContext()) : incomingTraceContext(req.headers);
  return trace ? Object.assign(meta, trace) : meta;
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
