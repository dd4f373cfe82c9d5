/**
 * Section 5.1, "Alternate client": `platform/src/shared/clients.py` (class also `L01Client`),
 * which resolves instead of the shared client when `platform/src` precedes `platform` on
 * `sys.path`. It never sends a key (the measurement's bearer token is added), drops `None`
 * values from some bodies (record_tool_execution, record_goal, record_plan, update_tool_execution)
 * but not from others (create_session and record_event send `null`s), and its `get_*` methods
 * return None on 404 and raise on anything else that is not 2xx.
 */
import { expect } from 'vitest';
import type { CallerCase, CaseContext, SendRequest } from '../support/harness.js';
import { callJson, dropNone, expectArray, expectObject, findBy, orEmpty, orEmptyList, pyUtcNow, pyUuid, raiseForStatus, truthy, uuid4, type Json } from '../support/python.js';

const ALT = 'platform/src/shared/clients.py';

function method(name: string, line: number, originalWorked: boolean, run: (ctx: CaseContext) => Promise<void>): CallerCase {
  return { id: `alt.${name}`, source: `${ALT}:${line}`, section: '5.1-alt', auth: 'none', originalWorked, run };
}

/** `get_*`: `None` on 404, `raise_for_status()` otherwise, then `.json()`. */
async function getOrNone(ctx: CaseContext, req: SendRequest): Promise<any> {
  const res = await ctx.send(req);
  if (res.status === 404) return null;
  raiseForStatus(res, req);
  return res.json();
}

const altReq = {
  // :60 — None values dropped; extra kwargs passed through.
  recordToolExecution: (a: { invocation_id: string; tool_name: string; input_params?: Json; tool_version?: string; agent_did?: string; tenant_id?: string; session_id?: string; parent_sandbox_id?: string; status?: string; async_mode?: boolean; priority?: number; idempotency_key?: string; require_approval?: boolean; cpu_millicore_limit?: number; memory_mb_limit?: number; timeout_seconds?: number }, kwargs: Json = {}) =>
    ({
      method: 'POST',
      path: '/tools/tool-executions',
      body: dropNone({
        invocation_id: a.invocation_id,
        tool_name: a.tool_name,
        input_params: orEmpty(a.input_params),
        tool_version: a.tool_version,
        agent_did: a.agent_did,
        tenant_id: a.tenant_id,
        session_id: a.session_id,
        parent_sandbox_id: a.parent_sandbox_id,
        status: a.status ?? 'pending',
        async_mode: a.async_mode ?? false,
        priority: a.priority ?? 5,
        idempotency_key: a.idempotency_key,
        require_approval: a.require_approval ?? false,
        cpu_millicore_limit: a.cpu_millicore_limit,
        memory_mb_limit: a.memory_mb_limit,
        timeout_seconds: a.timeout_seconds,
        ...kwargs,
      }),
    }) satisfies SendRequest,
  // :133 — **updates with None dropped (UUID values as str).
  updateToolExecution: (inv: string, updates: Json) => ({ method: 'PATCH', path: `/tools/executions/${inv}`, body: dropNone(updates) }) satisfies SendRequest,
  // :164
  getToolExecutionByInvocation: (inv: string) => ({ method: 'GET', path: `/tools/executions/by-invocation/${inv}` }) satisfies SendRequest,
  // :193 — constraints and metadata default to {}; None dropped.
  recordGoal: (a: Json & { goal_id: string; agent_did: string; goal_text: string }) =>
    ({
      method: 'POST',
      path: '/goals/',
      body: dropNone({
        goal_id: a.goal_id,
        agent_did: a.agent_did,
        goal_text: a.goal_text,
        agent_id: a.agent_id,
        goal_type: a.goal_type ?? 'compound',
        status: a.status ?? 'pending',
        constraints: orEmpty(a.constraints as Json | undefined),
        metadata: orEmpty(a.metadata as Json | undefined),
        parent_goal_id: a.parent_goal_id,
        decomposition_strategy: a.decomposition_strategy,
      }),
    }) satisfies SendRequest,
  // :248
  updateGoalStatus: (goalId: string, status: string, decompositionStrategy?: string, kwargs: Json = {}) => {
    const body: Json = { status };
    if (truthy(decompositionStrategy)) body.decomposition_strategy = decompositionStrategy;
    return { method: 'PATCH', path: `/goals/${goalId}`, body: { ...body, ...kwargs } } satisfies SendRequest;
  },
  // :277
  getGoal: (goalId: string) => ({ method: 'GET', path: `/goals/${goalId}` }) satisfies SendRequest,
  // :301 — default status "pending", decomposition_strategy and total_tokens_used default None (dropped).
  recordPlan: (a: Json & { plan_id: string; goal_id: string }) =>
    ({
      method: 'POST',
      path: '/plans/',
      body: dropNone({
        plan_id: a.plan_id,
        goal_id: a.goal_id,
        agent_id: a.agent_id,
        tasks: orEmptyList(a.tasks as unknown[] | undefined),
        dependency_graph: orEmpty(a.dependency_graph as Json | undefined),
        status: a.status ?? 'pending',
        resource_budget: a.resource_budget,
        decomposition_strategy: a.decomposition_strategy,
        decomposition_latency_ms: a.decomposition_latency_ms,
        cache_hit: a.cache_hit ?? false,
        llm_provider: a.llm_provider,
        llm_model: a.llm_model,
        total_tokens_used: a.total_tokens_used,
        validation_time_ms: a.validation_time_ms,
        tags: orEmptyList(a.tags as string[] | undefined),
        metadata: orEmpty(a.metadata as Json | undefined),
      }),
    }) satisfies SendRequest,
  // :374 (same keys as the shared client's update_plan_status, plus **kwargs)
  updatePlanStatus: (planId: string, status: string, fields: Json) => {
    const body: Json = { status };
    for (const k of ['validated_at', 'execution_started_at', 'execution_completed_at', 'error']) if (truthy(fields[k])) body[k] = fields[k];
    for (const k of ['execution_time_ms', 'parallelism_achieved', 'completed_task_count', 'failed_task_count']) if (fields[k] !== undefined && fields[k] !== null) body[k] = fields[k];
    return { method: 'PATCH', path: `/plans/${planId}`, body } satisfies SendRequest;
  },
  // :433
  getPlan: (planId: string) => ({ method: 'GET', path: `/plans/${planId}` }) satisfies SendRequest,
  // :457
  getAgent: (id: string) => ({ method: 'GET', path: `/agents/${id}` }) satisfies SendRequest,
  // :477
  listAgents: (a: { status?: string; limit?: number; offset?: number } = {}) =>
    ({ method: 'GET', path: '/agents/', query: { limit: a.limit ?? 100, offset: a.offset ?? 0, ...(truthy(a.status) ? { status: a.status } : {}) } }) satisfies SendRequest,
  // :507 — user_id is sent as null when not given; metadata `or {}`.
  createSession: (agentId: string, userId: string | null, metadata?: Json) =>
    ({ method: 'POST', path: '/sessions/', body: { agent_id: agentId, user_id: userId, metadata: orEmpty(metadata) } }) satisfies SendRequest,
  // :535
  getSession: (id: string) => ({ method: 'GET', path: `/sessions/${id}` }) satisfies SendRequest,
  // :559 — no aggregate fields; correlation_id sent as null when not given.
  recordEvent: (a: { event_type: string; payload: Json; source: string; correlation_id?: string | null; metadata?: Json }) =>
    ({ method: 'POST', path: '/events/', body: { event_type: a.event_type, payload: a.payload, source: a.source, correlation_id: a.correlation_id ?? null, metadata: orEmpty(a.metadata) } }) satisfies SendRequest,
};

export const alternateClientCases: CallerCase[] = [
  method('record_tool_execution', 60, true, async (ctx) => {
    const invocation = uuid4();
    ctx.remember('alt.invocation', invocation);
    // agent_id travels as one of the **kwargs.
    const x = await callJson(ctx.send, altReq.recordToolExecution({ invocation_id: invocation, tool_name: 'pdf_extract', input_params: { url: 'https://example.org/report.pdf' }, tool_version: '0.9.1', agent_did: await ctx.agentDid(), session_id: 'session-alt-001', priority: 3 }, { agent_id: await ctx.agent() }));
    expectObject(x, 'record_tool_execution answer');
    expect(x.invocation_id).toBe(invocation);
    expect(x.tool_name).toBe('pdf_extract');
    expect(x.status).toBe('pending');
    expect(x.priority).toBe(3);
    expect(x.agent_id).toBe(await ctx.agent());
  }),
  method('update_tool_execution', 133, true, async (ctx) => {
    const invocation = ctx.recall<string>('alt.invocation');
    const x = await callJson(ctx.send, altReq.updateToolExecution(invocation, { status: 'pending_approval', started_at: pyUtcNow(), error_code: null }));
    expectObject(x, 'update_tool_execution answer');
    expect(x.invocation_id).toBe(invocation);
    expect(x.status, 'L03 ToolStatus value, stored as sent').toBe('pending_approval');
    expect(x.started_at).not.toBeNull();
  }),
  method('get_tool_execution_by_invocation', 164, true, async (ctx) => {
    const invocation = ctx.recall<string>('alt.invocation');
    const x = await getOrNone(ctx, altReq.getToolExecutionByInvocation(invocation));
    expect(x, 'an existing invocation is not None').not.toBeNull();
    expectObject(x, 'get_tool_execution_by_invocation answer');
    expect(x.invocation_id).toBe(invocation);
    expect(x.status).toBe('pending_approval');
  }),
  method('record_goal', 193, true, async (ctx) => {
    const goalId = uuid4();
    ctx.remember('alt.goal', goalId);
    const g = await callJson(ctx.send, altReq.recordGoal({ goal_id: goalId, agent_did: await ctx.agentDid(), goal_text: 'Draft the release notes', goal_type: 'simple', status: 'pending', metadata: { origin: 'alt-client' } }));
    expectObject(g, 'record_goal answer');
    expect(g.goal_id).toBe(goalId);
    expect(g.goal_type).toBe('simple');
    expect(g.agent_id, 'no agent_id sent').toBeNull();
    // `constraints: {}` is sent: the defaults apply.
    expect(g.constraints_max_parallelism).toBe(10);
    expect(g.constraints_priority).toBe(5);
    expect(g.constraints_require_approval).toBe(false);
    expect(g.metadata).toEqual({ origin: 'alt-client' });
  }),
  method('update_goal_status', 248, true, async (ctx) => {
    const goalId = ctx.recall<string>('alt.goal');
    const g = await callJson(ctx.send, altReq.updateGoalStatus(goalId, 'ready', 'template'));
    expectObject(g, 'update_goal_status answer');
    expect(g.status).toBe('ready');
    expect(g.decomposition_strategy).toBe('template');
  }),
  method('get_goal', 277, true, async (ctx) => {
    const goalId = ctx.recall<string>('alt.goal');
    const g = await getOrNone(ctx, altReq.getGoal(goalId));
    expect(g, 'an existing goal is not None').not.toBeNull();
    expectObject(g, 'get_goal answer');
    expect(g.goal_id).toBe(goalId);
    expect(g.status).toBe('ready');
    // And an unknown goal is None (404), not an exception.
    expect(await getOrNone(ctx, altReq.getGoal(`missing-${uuid4()}`)), 'unknown goal_id').toBeNull();
  }),
  method('record_plan', 301, true, async (ctx) => {
    const planId = `plan-${uuid4()}`;
    ctx.remember('alt.plan', planId);
    const p = await callJson(ctx.send, altReq.recordPlan({ plan_id: planId, goal_id: ctx.recall<string>('alt.goal'), tasks: [{ task_id: 'alt-t1', name: 'Outline', status: 'pending' }], llm_provider: 'ollama' }));
    expectObject(p, 'record_plan answer');
    expect(p.plan_id).toBe(planId);
    expect(p.status, 'the alternate client defaults to "pending"').toBe('pending');
    expect(p.tasks).toEqual([{ task_id: 'alt-t1', name: 'Outline', status: 'pending' }]);
    expect(p.decomposition_strategy, 'not sent: the route default').toBe('hybrid');
    expect(p.total_tokens_used, 'not sent: the route default').toBe(0);
    expect(p.tags).toEqual([]);
  }),
  method('update_plan_status', 374, true, async (ctx) => {
    const planId = ctx.recall<string>('alt.plan');
    const p = await callJson(ctx.send, altReq.updatePlanStatus(planId, 'failed', { error: 'Outline rejected by reviewer', failed_task_count: 1, execution_completed_at: pyUtcNow() }));
    expectObject(p, 'update_plan_status answer');
    expect(p.status).toBe('failed');
    expect(p.error).toBe('Outline rejected by reviewer');
    expect(p.failed_task_count).toBe(1);
    expect(p.execution_completed_at).not.toBeNull();
  }),
  method('get_plan', 433, true, async (ctx) => {
    const planId = ctx.recall<string>('alt.plan');
    const p = await getOrNone(ctx, altReq.getPlan(planId));
    expect(p, 'an existing plan is not None').not.toBeNull();
    expectObject(p, 'get_plan answer');
    expect(p.plan_id).toBe(planId);
    expect(p.status).toBe('failed');
  }),
  method('get_agent', 457, true, async (ctx) => {
    // 500 for every existing agent on the original (R2); the route is meant to answer the Agent.
    const id = await ctx.agent();
    const a = await getOrNone(ctx, altReq.getAgent(id));
    expect(a, 'an existing agent is not None').not.toBeNull();
    expectObject(a, 'get_agent answer');
    expect(a.id).toBe(id);
    expect(a.did).toBe(await ctx.agentDid());
  }),
  method('list_agents', 477, true, async (ctx) => {
    const list = await callJson(ctx.send, altReq.listAgents({ limit: 100, offset: 0 }));
    expectArray(list, 'list_agents answer');
    findBy(list, 'id', await ctx.agent(), 'list_agents');
  }),
  method('create_session', 507, true, async (ctx) => {
    // user_id and metadata are not Session fields: the original ignored them.
    const agentId = await ctx.agent();
    const s = await callJson(ctx.send, altReq.createSession(agentId, 'alice', { channel: 'cli' }));
    expectObject(s, 'create_session answer');
    const id = pyUuid(s.id, 'session id');
    ctx.remember('alt.session', id);
    expect(s.agent_id).toBe(agentId);
    expect(s.session_type, 'SessionCreate default').toBe('conversation');
    expect(s.status).toBe('active');
  }),
  method('get_session', 535, true, async (ctx) => {
    const id = ctx.recall<string>('alt.session');
    const s = await getOrNone(ctx, altReq.getSession(id));
    expect(s, 'an existing session is not None').not.toBeNull();
    expectObject(s, 'get_session answer');
    expect(s.id).toBe(id);
    expect(s.agent_id).toBe(await ctx.agent());
  }),
  method('record_event', 559, false, async (ctx) => {
    // No aggregate_type/aggregate_id: 422 on the original, and still 422 (EventCreate needs them).
    const req = altReq.recordEvent({ event_type: 'workflow.started', payload: { workflow_id: uuid4() }, source: 'L11' });
    const res = await ctx.send(req);
    expect(res.status, `${req.method} ${req.path} without aggregate fields`).toBe(422);
    const body = res.json();
    expectObject(body, '422 body');
    expectArray(body.detail, '422 detail');
  }),
];
