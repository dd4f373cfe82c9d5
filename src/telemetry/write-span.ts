/**
 * A CLIENT span per change written through the app's writer (api/respond.ts), child of the
 * request's span: `INSERT agents`, `UPDATE tasks`, … with the database semantic
 * attributes. The span starts when the change is handed to the write path, so it includes
 * the wait for a group commit's statement (db/group-commit.ts), which is what the request
 * waits for.
 *
 * The event's metadata then records the trace context of this span, not the request's: the
 * relay's publish span links to it, and a consumer's process span is its child, so a trace
 * reads request → write → publish → process. The parent is read from the metadata the
 * route built (api/context.ts), where the request's span put it. An appended event keeps
 * the service's fields under `metadata.l01` (wire/message.ts), and so does its span's.
 * Only used while tracing is on.
 */
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_DB_COLLECTION_NAME, ATTR_DB_OPERATION_BATCH_SIZE, ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, ATTR_ERROR_TYPE, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from '@opentelemetry/semantic-conventions';
import type { BatchChange } from '../db/batch.js';
import type { Change, ChangeResult } from '../db/write.js';
import { parentContext, toTraceContext } from './trace-context.js';
import { tracer } from './tracing.js';

const OPERATION = { create: 'INSERT', update: 'UPDATE', delete: 'DELETE', append: 'INSERT' } as const;

const tableOf = (change: Change) => (change.op === 'append' ? 'events' : change.entity.table);

/** `apply` with a CLIENT span per change; arguments after the change are passed on as they are. */
export function traceWrites<A extends unknown[]>(apply: (change: Change, ...rest: A) => Promise<ChangeResult>): (change: Change, ...rest: A) => Promise<ChangeResult> {
  return async (change, ...rest) => {
    const appended = change.op === 'append';
    const carrier = ((appended ? change.metadata.l01 : change.metadata) ?? {}) as Record<string, unknown>;
    const operation = OPERATION[change.op];
    const table = tableOf(change);
    const span = tracer().startSpan(`${operation} ${table}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
        [ATTR_DB_OPERATION_NAME]: operation,
        [ATTR_DB_COLLECTION_NAME]: table,
      },
    }, parentContext(carrier) ?? context.active());
    const own = toTraceContext(span.spanContext());
    const metadata = appended ? { ...change.metadata, l01: { ...carrier, ...own } } : { ...change.metadata, ...own };
    try {
      const result = await apply({ ...change, metadata } as Change, ...rest);
      if (!result.ok) span.setAttribute('l01.write.refused', result.reason);
      return result;
    } catch (err) {
      const e = err as Error & { code?: string };
      span.recordException(e);
      span.setAttribute(ATTR_ERROR_TYPE, e.code ?? e.name ?? 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
      throw err;
    } finally {
      span.end();
    }
  };
}

/**
 * The same for `POST /api/commands`: one CLIENT span `BATCH <tables>` for the transaction,
 * whose trace context every command's event records (they are written together).
 */
export function traceBatch<T extends { ok: boolean }>(changes: readonly BatchChange[], run: (changes: readonly BatchChange[]) => Promise<T>): Promise<T> {
  const tables = [...new Set(changes.map((c) => c.entity.table))];
  const span = tracer().startSpan(`BATCH ${tables.join(',')}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
      [ATTR_DB_OPERATION_NAME]: 'BATCH',
      [ATTR_DB_OPERATION_BATCH_SIZE]: changes.length,
    },
  }, parentContext((changes[0]?.metadata ?? {}) as Record<string, unknown>) ?? context.active());
  const own = toTraceContext(span.spanContext());
  return run(changes.map((c) => ({ ...c, metadata: { ...c.metadata, ...own } }))).then((outcome) => {
    if (!outcome.ok) span.setAttribute('l01.write.refused', 'batch');
    return outcome;
  }, (err: Error & { code?: string }) => {
    span.recordException(err);
    span.setAttribute(ATTR_ERROR_TYPE, err.code ?? err.name ?? 'Error');
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    throw err;
  }).finally(() => span.end());
}

