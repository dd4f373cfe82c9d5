/**
 * Section 5.2, L04 model gateway: `platform/src/L04_model_gateway/services/l01_bridge.py`, its own
 * httpx client: `Content-Type: application/json` on every request (GETs included) and
 * `Authorization: Bearer <L01_API_KEY>`.
 *
 * Three of its calls go to `/api/...`, a base path the original never had (C1): they never
 * worked. L04 tolerates that (record_* return False, get_agent_usage an error dict, retries only
 * on 5xx/timeouts), so those cases assert only that the server answers without a 5xx and the
 * bridge would not crash or retry.
 */
import { expect } from 'vitest';
import type { CallerCase, SendRequest } from '../support/harness.js';
import { expectNo5xx, pyAwareUtcNow, pyUtcNow, uuid4 } from '../support/python.js';

const BRIDGE = 'platform/src/L04_model_gateway/services/l01_bridge.py';
const L04_HEADERS = { 'content-type': 'application/json' };

const l04 = (req: SendRequest): SendRequest => ({ ...req, headers: { ...L04_HEADERS, ...(req.headers ?? {}) } });

export const l04Cases: CallerCase[] = [
  {
    id: 'L04.record_inference',
    source: `${BRIDGE}:166`,
    section: '5.2',
    auth: 'bearer',
    originalWorked: false, // C1: no /api prefix on the original (404)
    async run(ctx) {
      const req = l04({
        method: 'POST',
        path: '/api/models/usage',
        body: {
          request_id: uuid4(),
          model_provider: 'ollama',
          model_name: 'qwen2.5:latest',
          input_tokens: 12,
          output_tokens: 8,
          cached_tokens: 0,
          total_tokens: 20,
          cached: false,
          response_status: 'success',
          metadata: {},
          agent_did: 'did:example:test-agent-123',
          tenant_id: 'tenant-001',
          session_id: 'session-abc-123',
          model_id: 'qwen2.5:latest',
          latency_ms: 145,
          cost_estimate: 0.00056,
          cost_input_cents: 0.024,
          cost_output_cents: 0.032,
          cost_cached_cents: 0.0,
          finish_reason: 'stop',
        },
      });
      expectNo5xx(await ctx.send(req), req);
    },
  },
  {
    id: 'L04.record_inference_simple',
    source: `${BRIDGE}:275`,
    section: '5.2',
    auth: 'bearer',
    originalWorked: false, // C1
    async run(ctx) {
      const req = l04({
        method: 'POST',
        path: '/api/models/usage',
        body: { request_id: uuid4(), agent_did: 'did:example:test-agent-456', model_provider: 'ollama', model_name: 'llama3.1:8b', model_id: 'llama3.1:8b', input_tokens: 40, output_tokens: 12, total_tokens: 52, cached_tokens: 0, latency_ms: 310, cached: false, response_status: 'success', metadata: {}, session_id: 'session-error-789' },
      });
      expectNo5xx(await ctx.send(req), req);
    },
  },
  {
    id: 'L04.get_agent_usage',
    source: `${BRIDGE}:314`,
    section: '5.2',
    auth: 'bearer',
    originalWorked: false, // C1, and the original has no stats route at all
    async run(ctx) {
      const req = l04({ method: 'GET', path: '/api/models/usage/stats', query: { agent_did: 'did:example:test-agent-123', start_time: pyUtcNow(-86_400_000), end_time: pyUtcNow() } });
      expectNo5xx(await ctx.send(req), req);
    },
  },
  {
    id: 'L04.publish_event',
    source: `${BRIDGE}:361`,
    section: '5.2',
    auth: 'bearer',
    originalWorked: false, // C1
    async run(ctx) {
      const req = l04({
        method: 'POST',
        path: '/api/events/',
        body: { event_type: 'inference_completed', aggregate_type: 'model_usage', aggregate_id: uuid4(), payload: { model_id: 'qwen2.5:latest', total_tokens: 20, latency_ms: 145 }, metadata: { source: 'l04_model_gateway', timestamp: pyAwareUtcNow() } },
      });
      expectNo5xx(await ctx.send(req), req);
    },
  },
  {
    id: 'L04.health_check',
    source: `${BRIDGE}:380`,
    section: '5.2',
    auth: 'bearer',
    originalWorked: true,
    async run(ctx) {
      // "healthy" if response.status_code == 200 else "degraded"
      const res = await ctx.send(l04({ method: 'GET', path: '/health/live' }));
      expect(res.status, 'GET /health/live (with L04\'s Content-Type and bearer headers)').toBe(200);
    },
  },
];
