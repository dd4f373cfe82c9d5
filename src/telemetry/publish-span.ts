/**
 * The relay's PRODUCER span per batch (outbox/relay.ts), after the messaging semantic
 * conventions for a batch send: `send <global stream>`, `messaging.system` redis,
 * `messaging.batch.message_count`, and a link to each event's stored trace context (its
 * write span: telemetry/write-span.ts). Its parent is that context too when the whole
 * batch belongs to one trace (a quiet service: the events of one request), so the trace of
 * a request shows its publication; a batch of many requests' events is a trace of its own,
 * reached through its links.
 *
 * The trace context is read from each event's metadata text (JSON.parse of a few hundred
 * bytes), only while tracing is on, and for at most MAX_LINKS events: the SDK keeps no more
 * links than that per span (its default linkCountLimit).
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Link, type Span, type SpanContext } from '@opentelemetry/api';
import type { ClaimedEvent } from '../outbox/sql.js';
import { messageMetadataText, messageTraceContext } from '../wire/message.js';
import type { PublishOutcome } from '../workers/publish-job.js';
import { parentContext } from './trace-context.js';
import { tracer } from './tracing.js';

const MAX_LINKS = 128;

function storedContext(e: ClaimedEvent): SpanContext | undefined {
  if (e.oversize || !e.message.includes('traceparent')) return undefined;
  try {
    const metadata = JSON.parse(messageMetadataText(e.message)) as Record<string, unknown>;
    const tc = messageTraceContext({ entity_type: e.entity_type, metadata });
    const ctx = tc && parentContext({ ...tc });
    return ctx && trace.getSpanContext(ctx);
  } catch {
    return undefined;
  }
}

/** Starts the span of a batch about to be published to `destination`; call before its rows' messages are dropped. */
export function startPublishSpan(batch: readonly ClaimedEvent[], destination: string): Span {
  const links: Link[] = [];
  for (const e of batch) {
    if (links.length === MAX_LINKS) break;
    const context = storedContext(e);
    if (context) links.push({ context });
  }
  const oneTrace = links.length > 0 && links.every((l) => l.context.traceId === links[0]!.context.traceId);
  const parent = oneTrace ? trace.setSpanContext(ROOT_CONTEXT, links[0]!.context) : ROOT_CONTEXT;
  return tracer().startSpan(`send ${destination}`, {
    kind: SpanKind.PRODUCER,
    links,
    attributes: {
      'messaging.system': 'redis',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': destination,
      'messaging.batch.message_count': batch.length,
    },
  }, parent);
}

/** Ends it with the job's outcome (or the error that stopped it). */
export function endPublishSpan(span: Span, outcome: PublishOutcome | { kind: 'error'; error: unknown }): void {
  if (outcome.kind === 'published') {
    span.setAttribute('l01.publish.duplicates', outcome.result.duplicates);
  } else {
    const message = outcome.kind === 'error' ? String((outcome.error as Error)?.message ?? outcome.error)
      : outcome.kind === 'behind' ? 'streams behind what was published: healing first'
        : outcome.reason;
    span.setAttribute('error.type', outcome.kind);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
  span.end();
}
