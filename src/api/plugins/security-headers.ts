/**
 * Security headers on every response (@fastify/helmet): nosniff, frame denial, no referrer,
 * HSTS, and a Content-Security-Policy that the docs page lives with — swagger-ui loads only
 * its own scripts and stylesheets from /docs/static and sets inline styles, which helmet's
 * default policy allows. `upgrade-insecure-requests` is dropped: the service is often
 * reached over plain HTTP inside a network, where it would break the docs page's assets.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function securityHeaders(app: FastifyInstance) {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { upgradeInsecureRequests: null, imgSrc: ["'self'", 'data:'] },
    },
    // The API is called by other services, not embedded: nothing cross-origin needs it.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
