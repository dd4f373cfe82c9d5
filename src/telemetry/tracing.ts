/**
 * OpenTelemetry tracing of the service, on only when an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, config.ts): then a
 * NodeTracerProvider with a BatchSpanProcessor exports spans as OTLP JSON over HTTP, under
 * `service.name` = OTEL_SERVICE_NAME (default `l01-data-layer`). The other OTEL_EXPORTER_OTLP_*
 * and OTEL_BSP_* variables (headers, timeouts, batch sizes) are read by the SDK itself.
 *
 * Off, nothing is registered and the SDK is not even loaded (it is imported on demand):
 * @opentelemetry/api answers with its no-op tracer, and every place that would make a span
 * asks `tracingActive()` first, a boolean, so the hot paths allocate nothing.
 *
 * Spans are made by hand (no instrumentation packages): HTTP server spans (http.ts), a
 * write span per change (write-span.ts), a publish span per relay batch (publish-span.ts),
 * and the consumer helper's process spans (consumer/trace.ts, which needs no SDK here).
 */
import { trace, type Tracer } from '@opentelemetry/api';

export const TRACER_NAME = 'l01-data-layer';
export const DEFAULT_SERVICE_NAME = 'l01-data-layer';

export interface TracingOptions {
  /** Where spans go: the full OTLP/HTTP traces URL (`…/v1/traces`); undefined: tracing off. */
  url: string | undefined;
  serviceName?: string;
  /** Which process of the service this is (`l01-api`, `l01-worker`): resource attribute `l01.process`. */
  processName?: string;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports every span ended so far. */
  forceFlush(): Promise<void>;
  /** Exports what is left and stops; call once, when the process closes. */
  shutdown(): Promise<void>;
}

/** Longest wait for the last export when the process closes, ms. */
const SHUTDOWN_MS = 3000;

let active = false;

/** True once this process exports spans; the guard in front of every span. */
export const tracingActive = (): boolean => active;

export const tracer = (): Tracer => trace.getTracer(TRACER_NAME);

const OFF: Tracing = { enabled: false, forceFlush: async () => {}, shutdown: async () => {} };

/**
 * The OTLP/HTTP traces URL the OpenTelemetry specification derives from the environment:
 * the signal's own endpoint as it is, else the base endpoint + `/v1/traces`.
 */
export function tracesUrl(env: { OTEL_EXPORTER_OTLP_ENDPOINT?: string; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string }): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/** Registers the tracer provider when `o.url` is set; otherwise does nothing (and loads nothing). */
export async function startTracing(o: TracingOptions): Promise<Tracing> {
  if (!o.url || active) return OFF;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: o.serviceName ?? DEFAULT_SERVICE_NAME,
      ...(o.processName ? { 'l01.process': o.processName } : {}),
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: o.url }))],
  });
  // The AsyncLocalStorage context manager and the W3C propagator: what a library's spans
  // (or a consumer's, in the same process) need to find their parent.
  provider.register();
  active = true;
  return {
    enabled: true,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      active = false;
      // A collector that does not answer must not hold the process past its grace period.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([provider.shutdown().catch(() => {}), new Promise((r) => (timer = setTimeout(r, SHUTDOWN_MS)))]);
      clearTimeout(timer);
    },
  };
}
