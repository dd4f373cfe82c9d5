/**
 * Security headers on every response, as helmet sets them: nosniff, frame denial, no
 * referrer, HSTS, and a Content-Security-Policy that the docs page lives with — swagger-ui
 * loads only its own scripts and stylesheets from /docs/static and sets inline styles,
 * which helmet's default policy allows. `upgrade-insecure-requests` is dropped: the service
 * is often reached over plain HTTP inside a network, where it would break the docs page's
 * assets.
 *
 * None of these depends on the request, so helmet runs once, at start-up, and each request
 * gets the finished headers (running helmet per request, as @fastify/helmet does, parsed
 * the CSP directives every time: 3.8% of the API's CPU under write load). A route may still
 * set its own (the dashboard sends a stricter CSP).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: { upgradeInsecureRequests: null, imgSrc: ["'self'", 'data:'] },
  },
  // The API is called by other services, not embedded: nothing cross-origin needs it.
  crossOriginResourcePolicy: { policy: 'same-origin' },
};

/** The headers helmet sets with these options, captured from one run of its middleware. */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let done = false;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously: its headers cannot be computed once');
  return headers;
}

async function securityHeaders(app: FastifyInstance) {
  const headers = helmetHeaders(HELMET_OPTIONS);
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
