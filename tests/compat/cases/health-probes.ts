/**
 * Section 5.2, "Health probes": curl and k6 liveness checks without a key
 * (`platform/docker-compose.app.yml:88`, the `docker-compose.v2.yml` healthcheck,
 * `platform/integration-test.sh:53`, `platform/load-tests/load-test.js:110`,
 * `platform/load-tests/smoke-test.js:43`). They only look at the status.
 */
import { expect } from 'vitest';
import type { CallerCase } from '../support/harness.js';

export const healthProbeCases: CallerCase[] = [
  {
    id: 'probes.health_live',
    source: 'platform/docker-compose.app.yml:88',
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const res = await ctx.send({ method: 'GET', path: '/health/live' });
      expect(res.status, 'GET /health/live').toBe(200);
    },
  },
];
