/**
 * The consumer helper continues each event's trace: the user's handler runs inside a
 * CONSUMER span `process <stream or channel>` whose parent is the trace context the event
 * carries (wire/message.ts `messageTraceContext`: the write span of the request that wrote
 * it), made active for the handler, so the handler's own spans (and the instrumented
 * libraries it calls) continue the same trace. A handler that throws marks the span ERROR.
 *
 * Only @opentelemetry/api is used: the spans are exported by whatever SDK the consuming
 * application registered, and are no-ops when it registered none.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { parentContext } from '../telemetry/trace-context.js';
import { messageTraceContext, type L01Event } from '../wire/message.js';

const tracer = () => trace.getTracer('l01-data-layer/consumer');

/** Runs `handler` in the process span of `event`, read from `destination` (a stream key or a channel). */
export async function processInSpan(event: L01Event, destination: string, attributes: Attributes, handler: () => Promise<void> | void): Promise<void> {
  const carried = messageTraceContext(event);
  const active = context.active();
  const parent = (carried && parentContext({ ...carried }, active)) ?? active;
  const span = tracer().startSpan(`process ${destination}`, {
    kind: SpanKind.CONSUMER,
    attributes: {
      'messaging.system': 'redis',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': destination,
      'l01.event_type': event.event_type,
      'l01.event_id': event.event_id,
      ...attributes,
    },
  }, parent);
  try {
    await context.with(trace.setSpan(parent, span), handler);
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}
