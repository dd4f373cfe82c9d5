/**
 * W3C trace context (`traceparent`, `tracestate`) as the service carries it: read from a
 * request's headers or an event's metadata, checked, and written back out. Parsing is the
 * W3CTraceContextPropagator's (@opentelemetry/core), with one rule on top: only version
 * `00` is accepted, exactly (no leading space, no extra fields), since that is the only
 * version there is and what is stored is forwarded to every consumer. Anything that does
 * not parse (another version, an all-zero trace or span id, upper-case hex, a bad length)
 * is ignored, as if absent: the request is served, its events simply start no trace.
 * No SDK here: this runs whether tracing is on or off.
 */
import { ROOT_CONTEXT, trace, type Context, type SpanContext, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** What an event's metadata records of the trace that wrote it. */
export interface TraceContext {
  traceparent: string;
  /** Vendor entries, as W3C `tracestate` (absent when empty). */
  tracestate?: string;
}

/** Headers, or any object whose `traceparent` / `tracestate` keys are strings. */
type Carrier = Record<string, unknown>;

const propagator = new W3CTraceContextPropagator();
const getter: TextMapGetter<Carrier> = {
  get: (carrier, key) => {
    const v = carrier[key];
    return typeof v === 'string' ? v : undefined;
  },
  keys: (carrier) => Object.keys(carrier),
};

/** The remote parent named by `carrier.traceparent` (and its `tracestate`), or undefined when absent or invalid. */
export function parentContext(carrier: Carrier, base: Context = ROOT_CONTEXT): Context | undefined {
  const traceparent = carrier.traceparent;
  if (typeof traceparent !== 'string' || !traceparent.startsWith('00-')) return undefined;
  const ctx = propagator.extract(base, carrier, getter);
  return ctx === base ? undefined : ctx;
}

/**
 * The `traceparent` of a span context. Written here rather than by the propagator's
 * inject, which prints flags above 0x0f with three digits (`0ff`).
 */
const traceparentOf = (s: SpanContext) => `00-${s.traceId}-${s.spanId}-${(s.traceFlags & 0xff).toString(16).padStart(2, '0')}`;

/** The trace context of a span context, as it is stored and sent. */
export function toTraceContext(s: SpanContext): TraceContext {
  const state = s.traceState?.serialize();
  return state ? { traceparent: traceparentOf(s), tracestate: state } : { traceparent: traceparentOf(s) };
}

/** The trace context of `carrier` (request headers), checked and normalised; undefined when absent or invalid. */
export function incomingTraceContext(carrier: Carrier): TraceContext | undefined {
  if (carrier.traceparent === undefined) return undefined;
  const ctx = parentContext(carrier);
  const span = ctx && trace.getSpanContext(ctx);
  return span ? toTraceContext(span) : undefined;
}
