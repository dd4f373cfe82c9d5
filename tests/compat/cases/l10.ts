/**
 * Section 5.2, L10 human interface.
 *  - `app_socketio.py` (what the L10 Dockerfile runs) and `app.py` (alternate entry): the shared
 *    client with `X-API-Key`, for readiness, `/api/agents`, `/api/agents/{id}`, `/api/goals` and
 *    the dashboard.
 *  - `services/l01_bridge.py`: user interactions and control operations (shared client, X-API-Key).
 *  - `integration/l01_event_bridge.py`: its own httpx client with `Authorization: Bearer`.
 */
import { expect } from 'vitest';
import type { CallerCase, SendRequest } from '../support/harness.js';
import { goal } from '../support/prereqs.js';
import { callJson, expectArray, expectFromIsoformat, expectObject, findBy, pyUtcNow, raiseForStatus, uuid4, type Json } from '../support/python.js';
import { sharedReq } from '../support/shared-client.js';

const L10 = 'platform/src/L10_human_interface';

/** `data.get("event_id") or data.get("id", "")`, `timestamp` or `created_at`, parsed as the bridge parses them. */
function expectL10Event(e: unknown, what: string): asserts e is Json {
  expectObject(e, what);
  const id = e.event_id ?? e.id;
  expect(typeof id === 'string' && id !== '', `${what}: event_id/id`).toBe(true);
  expect(typeof e.event_type, `${what}: event_type`).toBe('string');
  expect(typeof e.aggregate_id, `${what}: aggregate_id`).toBe('string');
  expect(typeof e.aggregate_type, `${what}: aggregate_type`).toBe('string');
  expectFromIsoformat(e.timestamp ?? e.created_at, `${what}: timestamp/created_at`);
  // payload.get(...) is called on it.
  expectObject(e.payload ?? {}, `${what}: payload`);
}

export const l10Cases: CallerCase[] = [
  {
    id: 'L10.app_socketio.reads',
    source: `${L10}/app_socketio.py:294`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true, // R2 for get_agent (500 on the original, L10 turned it into 404)
    async run(ctx) {
      const agentId = await ctx.agent();
      const goalId = await goal(ctx);
      // :294 readiness — list_agents(limit=1) must not raise.
      const ready = await callJson(ctx.send, sharedReq.listAgents({ limit: 1 }));
      expectArray(ready, 'readiness list_agents(limit=1)');
      // :307 /api/agents — {"agents": agents, "total": len(agents)}
      const agents = await callJson(ctx.send, sharedReq.listAgents({ limit: 100 }));
      expectArray(agents, '/api/agents list_agents');
      // :342 /api/agents/{id} — returned as is; an exception becomes 404.
      const a = await callJson(ctx.send, sharedReq.getAgent(agentId));
      expectObject(a, '/api/agents/{id} get_agent');
      expect(a.id).toBe(agentId);
      // :378 /api/goals — {"goals": goals, "total": len(goals)}
      const goals = await callJson(ctx.send, sharedReq.listGoals({ agent_id: agentId, limit: 100 }));
      expectArray(goals, '/api/goals list_goals');
      findBy(goals, 'goal_id', goalId, '/api/goals');
      // :485 dashboard — list_agents() and a.get("status") counts.
      const all = await callJson(ctx.send, sharedReq.listAgents());
      expectArray(all, 'dashboard list_agents()');
      for (const [i, x] of all.entries()) {
        expectObject(x, `dashboard agent ${i}`);
        expect(typeof x.status, `dashboard agent ${i}: status`).toBe('string');
      }
      expect(findBy(all, 'id', agentId, 'dashboard').status).toBe('created');
    },
  },
  {
    id: 'L10.app.reads',
    source: `${L10}/app.py:174`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      // :174, :187, :222, :258 — the same calls; its dashboard page reads agent.name, agent.did, agent.status.
      const agentId = await ctx.agent();
      expectArray(await callJson(ctx.send, sharedReq.listAgents({ limit: 1 })), 'readiness list_agents(limit=1)');
      const agents = await callJson(ctx.send, sharedReq.listAgents({ limit: 100 }));
      expectArray(agents, '/api/agents list_agents');
      const mine = findBy(agents, 'id', agentId, '/api/agents');
      expect(mine.name, 'agent.name').toBe(`compat-agent-${ctx.suffix}`);
      expect(mine.did, 'agent.did').toBe(await ctx.agentDid());
      expect(['active', 'created'], 'agent.status as the page styles it').toContain(mine.status);
      expectObject(await callJson(ctx.send, sharedReq.getAgent(agentId)), '/api/agents/{id} get_agent');
      expectArray(await callJson(ctx.send, sharedReq.listGoals({ limit: 100 })), '/api/goals list_goals');
    },
  },
  {
    id: 'L10.record_user_interaction',
    source: `${L10}/services/l01_bridge.py:85`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      // app_socketio.py:311 after /api/agents: {"status": None, "limit": 100} — a None inside a dict is sent as null.
      await callJson(ctx.send, sharedReq.recordUserInteraction({ interaction_id: `ui-${uuid4()}`, timestamp: pyUtcNow(), interaction_type: 'api_call', action: 'list_agents', target_type: 'agent', parameters: { status: null, limit: 100 }, result: 'success' }));
    },
  },
  {
    id: 'L10.record_control_operation',
    source: `${L10}/services/l01_bridge.py:146`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true, // C15 only for target agents L01 does not know; this one exists
    async run(ctx) {
      // Returns its own "ctrl-<uuid>" when the call succeeded, "" otherwise.
      const operationId = `ctrl-${uuid4()}`;
      ctx.remember('L10.operation', operationId);
      await callJson(
        ctx.send,
        sharedReq.recordControlOperation({ operation_id: operationId, timestamp: pyUtcNow(), user_id: 'admin_user', operation_type: 'agent_control', command: 'pause', target_agent_id: await ctx.agent(), target_agent_did: await ctx.agentDid(), parameters: { mode: 'manual', reason: 'maintenance' }, status: 'pending' }),
      );
    },
  },
  {
    id: 'L10.update_control_operation',
    source: `${L10}/services/l01_bridge.py:195`,
    section: '5.2',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      await callJson(ctx.send, sharedReq.updateControlOperation(ctx.recall<string>('L10.operation'), { status: 'executing', executed_at: pyUtcNow() }));
    },
  },
  {
    id: 'L10.event_bridge.record_event',
    source: `${L10}/integration/l01_event_bridge.py:227`,
    section: '5.2',
    auth: 'bearer',
    // R1: its only caller (event_service.record_control_event) always sends aggregate_id/aggregate_type,
    // so the original's answer was the JSONB 500, not the 422 of a body without them.
    originalWorked: true,
    async run(ctx) {
      const req: SendRequest = {
        method: 'POST',
        path: '/events/',
        body: { event_type: 'agent.paused', payload: { reason: 'maintenance', requested_via: 'dashboard', user_id: 'admin_user' }, source: 'l10', aggregate_id: await ctx.agent(), aggregate_type: 'agent', tenant_id: 'tenant-ops' },
      };
      const res = await ctx.send(req);
      raiseForStatus(res, req); // the bridge reads nothing else
    },
  },
  {
    id: 'L10.event_bridge.query_events',
    source: `${L10}/integration/l01_event_bridge.py:117`,
    section: '5.2',
    auth: 'bearer',
    originalWorked: true, // 200 [] on the original (nothing could be stored)
    async run(ctx) {
      // EventFilter(event_types=["agent.paused"], agent_id=..., tenant_id=..., start/end, search); the
      // comma join of a one-element list is the type itself. tenant_id/start/end/search are not L01 filters.
      const agentId = await ctx.agent();
      const req: SendRequest = {
        method: 'GET',
        path: '/events/',
        query: { limit: 100, offset: 0, event_type: ['agent.paused'].join(','), aggregate_id: agentId, tenant_id: 'tenant-ops', start: pyUtcNow(-3_600_000), end: pyUtcNow(60_000), search: 'maintenance' },
      };
      const res = await ctx.send(req);
      raiseForStatus(res, req);
      const data = res.json();
      // "L01 may return a list or a paginated response"
      const events: unknown = Array.isArray(data) ? data : (data as Json | null)?.events;
      expectArray(events, 'events (a list, or {"events": [...]})');
      events.forEach((e, i) => expectL10Event(e, `event ${i}`));
      const mine = events.find((e) => (e as Json).aggregate_id === agentId && (e as Json).event_type === 'agent.paused') as Json | undefined;
      expect(mine, 'the event L10 recorded is found').toBeDefined();
      expect((mine?.payload as Json | undefined)?.reason).toBe('maintenance');
      ctx.remember('L10.event', (mine?.event_id ?? mine?.id) as string);
    },
  },
  {
    id: 'L10.event_bridge.get_event',
    source: `${L10}/integration/l01_event_bridge.py:162`,
    section: '5.2',
    auth: 'bearer',
    originalWorked: true, // 404 in practice on the original (R4)
    async run(ctx) {
      const id = ctx.recall<string>('L10.event');
      const req: SendRequest = { method: 'GET', path: `/events/${id}` };
      const res = await ctx.send(req);
      expect(res.status, '404 → None: the event exists').not.toBe(404);
      raiseForStatus(res, req);
      const e = res.json();
      expectL10Event(e, 'event detail');
      expect(e.event_id ?? e.id).toBe(id);
      expect(e.event_type).toBe('agent.paused');
      expect(e.aggregate_type).toBe('agent');
      expect(e.payload).toEqual({ reason: 'maintenance', requested_via: 'dashboard', user_id: 'admin_user' });
      expectObject(e.metadata ?? {}, 'metadata');
      expect(typeof (e.version ?? 1), 'version').toBe('number');
    },
  },
];
