/**
 * Section 5.2, L09 API gateway. The bridge (`services/l01_bridge.py`) and the v1 routers
 * (`routers/v1/*.py`) use the shared client with a key: `X-API-Key` (`L01_API_KEY`, or
 * `L01_DEFAULT_API_KEY` in the routers). The routers hand L01's JSON to their own clients,
 * wrap list answers as `{"items", "total", "limit"}`, turn an exception mentioning "404" into
 * 404 and anything else into 500, and treat a delete as done only on `status_code == 204`.
 */
import { expect } from 'vitest';
import type { CallerCase } from '../support/harness.js';
import { goal } from '../support/prereqs.js';
import { callJson, expectArray, expectNo5xx, expectObject, findBy, pyFromTimestamp, pyUtcNow, uuid4, uuidHex } from '../support/python.js';
import { SharedClient, sharedReq } from '../support/shared-client.js';

const BRIDGE = 'platform/src/L09_api_gateway/services/l01_bridge.py';
const ROUTERS = 'platform/src/L09_api_gateway/routers/v1';

export const l09Cases: CallerCase[] = [
  {
    id: 'L09.record_api_request',
    source: `${BRIDGE}:110`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      // gateway.py:260: request_id "req-<trace>-<span>", utcnow timestamp, the request's headers and query.
      const traceId = uuidHex();
      const spanId = uuidHex().slice(0, 16);
      await callJson(
        ctx.send,
        sharedReq.recordApiRequest({
          request_id: `req-${traceId}-${spanId}`,
          trace_id: traceId,
          span_id: spanId,
          timestamp: pyUtcNow(),
          method: 'GET',
          path: '/api/v1/agents',
          status_code: 200,
          latency_ms: 12.734,
          consumer_id: 'test_consumer',
          tenant_id: 'test_tenant',
          authenticated: true,
          rate_limit_tier: 'standard',
          client_ip: '172.18.0.1',
          user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
          headers: { host: 'localhost:8009', accept: 'application/json', 'x-api-key': '[REDACTED]' },
          query_params: { limit: '100' },
        }),
      );
    },
  },
  {
    id: 'L09.record_authentication_event',
    source: `${BRIDGE}:181`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      await callJson(ctx.send, sharedReq.recordAuthenticationEvent({ event_id: `auth-${uuid4()}`, timestamp: pyUtcNow(), auth_method: 'api_key', success: true, consumer_id: 'test_consumer', tenant_id: 'test_tenant', client_ip: '172.18.0.1', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)' }));
    },
  },
  {
    id: 'L09.record_rate_limit_event',
    source: `${BRIDGE}:244`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      // gateway.py:402: the window from the limiter's reset time, `datetime.fromtimestamp` (naive local).
      const reset = Math.floor(Date.now() / 1000) + 1800;
      await callJson(
        ctx.send,
        sharedReq.recordRateLimitEvent({ event_id: `ratelimit-${uuid4()}`, timestamp: pyUtcNow(), consumer_id: 'test_consumer', rate_limit_tier: 'standard', tokens_remaining: 999, tokens_limit: 1000, window_start: pyFromTimestamp(reset - 3600), window_end: pyFromTimestamp(reset), tenant_id: 'test_tenant', endpoint: '/api/v1/agents', tokens_requested: 1, exceeded: false }),
      );
    },
  },
  {
    id: 'L09.create_agent',
    source: `${ROUTERS}/agents.py:56`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      const name = `support-bot-${ctx.suffix}`;
      const a = await callJson(ctx.send, sharedReq.createAgent({ name, agent_type: 'conversational', configuration: { model: 'llama3.1:8b' }, metadata: { owner: 'support-team' } }));
      expectObject(a, 'create_agent answer (returned to L09\'s client as is)');
      expect(typeof a.id, 'id').toBe('string');
      ctx.remember('L09.agent', a.id);
      expect(a.name).toBe(name);
      expect(a.agent_type).toBe('conversational');
      expect(a.status).toBe('created');
    },
  },
  {
    id: 'L09.list_agents',
    source: `${ROUTERS}/agents.py:75`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      const agents = await callJson(ctx.send, sharedReq.listAgents({ limit: 100 }));
      // {"items": agents, "total": len(agents), "limit": limit}
      expectArray(agents, 'list_agents answer (len() and wrapped in items)');
      findBy(agents, 'id', ctx.recall<string>('L09.agent'), 'list_agents');
    },
  },
  {
    id: 'L09.get_agent',
    source: `${ROUTERS}/agents.py:92`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true, // R2: the original answered 500 for every existing agent
    async run(ctx) {
      const id = ctx.recall<string>('L09.agent');
      const a = await callJson(ctx.send, sharedReq.getAgent(id));
      expectObject(a, 'get_agent answer');
      expect(a.id).toBe(id);
      expect(a.configuration).toEqual({ model: 'llama3.1:8b' });
    },
  },
  {
    id: 'L09.update_agent',
    source: `${ROUTERS}/agents.py:109`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true, // R3: configuration/metadata were a 500 on the original
    async run(ctx) {
      // body.model_dump(exclude_unset=True): only what L09's client sent.
      const id = ctx.recall<string>('L09.agent');
      const a = await callJson(ctx.send, sharedReq.updateAgent(id, { status: 'suspended', configuration: { model: 'llama3.1:70b' }, metadata: { owner: 'support-team', paused_by: 'ops' } }));
      expectObject(a, 'update_agent answer');
      expect(a.status).toBe('suspended');
      expect(a.configuration).toEqual({ model: 'llama3.1:70b' });
      expect(a.metadata).toEqual({ owner: 'support-team', paused_by: 'ops' });
    },
  },
  {
    id: 'L09.delete_agent',
    source: `${ROUTERS}/agents.py:124`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      // Anything but 204 becomes L09's 404 "Agent not found".
      const { id } = await ctx.freshAgent('l09-delete');
      expect(await new SharedClient(ctx.send).deleted(sharedReq.deleteAgent(id)), 'delete_agent: status_code == 204').toBe(true);
    },
  },
  {
    id: 'L09.create_goal',
    source: `${ROUTERS}/goals.py:54`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: false, // C3: {agent_id, description, success_criteria, priority} has no goal_id/agent_did/goal_text
    async run(ctx) {
      const req = sharedReq.createGoal({ agent_id: await ctx.agent(), description: 'Reduce p95 latency below 200 ms', success_criteria: [], priority: 5 });
      expectNo5xx(await ctx.send(req), req);
    },
  },
  {
    id: 'L09.get_goal',
    source: `${ROUTERS}/goals.py:91`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      // L09's path parameter is a UUID: L05's uuid4 goal ids are the ones it can address.
      const goalId = await goal(ctx);
      const g = await callJson(ctx.send, sharedReq.getGoal(goalId));
      expectObject(g, 'get_goal answer');
      expect(g.goal_id).toBe(goalId);
    },
  },
  {
    id: 'L09.update_goal',
    source: `${ROUTERS}/goals.py:108`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      // exclude_unset: what L09's client sent; the route applies status (priority is not a goals column).
      const goalId = await goal(ctx);
      const g = await callJson(ctx.send, sharedReq.updateGoal(goalId, { status: 'completed', priority: 3 }));
      expectObject(g, 'update_goal answer');
      expect(g.goal_id).toBe(goalId);
      expect(g.status).toBe('completed');
    },
  },
  {
    id: 'L09.create_task',
    source: `${ROUTERS}/tasks.py:53`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: false, // C5: POST /plans/tasks → 405 on the original → L09 500
    async run(ctx) {
      const req = sharedReq.createTask({ plan_id: uuid4(), agent_id: await ctx.agent(), description: 'Profile the slow endpoint', task_type: 'analysis', input_data: { endpoint: '/search' } });
      const res = await ctx.send(req);
      expect([404, 405], `${req.method} ${req.path} answered ${res.status}`).toContain(res.status);
    },
  },
  {
    id: 'L09.update_task',
    source: `${ROUTERS}/tasks.py:89`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: false, // C5: PATCH /plans/tasks/{id} → 404 on the original → L09 404
    async run(ctx) {
      // Only an answer whose error text says 404 becomes L09's clean 404 "Task not found".
      const req = sharedReq.updateTask(uuid4(), { status: 'completed', output_data: { p95_ms: 180 } });
      const res = await ctx.send(req);
      expect(res.status, `${req.method} ${req.path}`).toBe(404);
    },
  },
];
