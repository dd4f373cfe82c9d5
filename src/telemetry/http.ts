/**
 * One SERVER span per HTTP request, parented on the request's `traceparent` (when valid):
 * named `<METHOD> <route pattern>` (the bare method when no route matched), with the HTTP
 * semantic attributes, ended when the response is sent (status ERROR for a 5xx) or the
 * client goes away. `req.traceSpan` is where the writes of the request find it
 * (api/context.ts puts its trace context in the events' metadata).
 *
 * Registered before every other plugin, so its hook runs first and the span covers the
 * whole request, refused ones included. With tracing off the hooks are not even added.
 * Never the query string: a careless client may have put a token there. Health probes and
 * metric scrapes get no span.
 */
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_URL_PATH, ATTR_URL_SCHEME, ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { parentContext } from './trace-context.js';
import { tracer, tracingActive } from './tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's server span; undefined while tracing is off. */
    traceSpan: Span | undefined;
  }
}

/** Probes and scrapes: a trace every few seconds per prober, of nothing but the probe. */
const UNTRACED = /^\/(health|metrics)(\/|$)/;

function startServerSpan(req: FastifyRequest): Span {
  const route = req.routeOptions.url;
  const ua = req.headers['user-agent'];
  return tracer().startSpan(route ? `${req.method} ${route}` : req.method, {
    kind: SpanKind.SERVER,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: req.method,
      [ATTR_URL_PATH]: req.url.split('?')[0],
      [ATTR_URL_SCHEME]: req.protocol,
      [ATTR_CLIENT_ADDRESS]: req.ip,
      [ATTR_NETWORK_PROTOCOL_VERSION]: req.raw.httpVersion,
      ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
      ...(typeof ua === 'string' ? { [ATTR_USER_AGENT_ORIGINAL]: ua } : {}),
    },
  }, parentContext(req.headers));
}

function endSpan(req: FastifyRequest, status: number | undefined): void {
  const span = req.traceSpan;
  if (!span) return;
  req.traceSpan = undefined;
  if (status === undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the request' });
  } else {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

async function httpSpans(app: FastifyInstance) {
  app.decorateRequest('traceSpan', undefined);
  if (!tracingActive()) return;
  app.addHook('onRequest', (req, _reply, done) => {
    if (!UNTRACED.test(req.routeOptions.url ?? '')) req.traceSpan = startServerSpan(req);
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    endSpan(req, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (req, done) => {
    endSpan(req, undefined);
    done();
  });
}

export default fp(httpSpans, { name: 'http-spans' });
