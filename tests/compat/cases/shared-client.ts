/**
 * Section 5.1: every method of the shared client `platform/shared/clients/l01_client.py`,
 * called as the method calls it. The method returns `response.json()` to its caller (L09's
 * routers hand it on unchanged), so each case asserts the answer the route is meant to give:
 * the values written come back, with the original's names, as real JSON values.
 *
 * Auth: the client sends `X-API-Key` when built with a key (L09, L10); without one it sends
 * nothing and gets the measurement's bearer token (those callers are the 5.2 cases).
 */
import { expect } from 'vitest';
import type { CallerCase, CaseContext } from '../support/harness.js';
import { dataset, goal, link, plan, trainingExample } from '../support/prereqs.js';
import {
  expectArray,
  expectNaiveIso,
  expectNo5xx,
  expectObject,
  expectSameInstant,
  findBy,
  pyFloat,
  pyUtcNow,
  pyUuid,
  uuid4,
  uuidHex,
  type Json,
} from '../support/python.js';
import { SHARED_CLIENT, SharedClient, sharedReq } from '../support/shared-client.js';

function method(name: string, line: number, originalWorked: boolean, run: (ctx: CaseContext, client: SharedClient) => Promise<void>): CallerCase {
  return {
    id: `shared.${name}`,
    source: `${SHARED_CLIENT}:${line}`,
    section: '5.1',
    auth: 'x-api-key',
    originalWorked,
    run: (ctx) => run(ctx, new SharedClient(ctx.send)),
  };
}

/** Naive ISO, naming the instant that was sent. */
function expectTimestamp(read: unknown, sent: string, what: string): void {
  expectNaiveIso(read, what);
  expectSameInstant(read, sent, what);
}

const DID = /^did:agent:(.+):[0-9a-f]{8}$/;

interface AgentMemo {
  id: string;
  did: string;
  name: string;
}

export const sharedClientCases: CallerCase[] = [
  // ----------------------------------------------------------------------------------- agents
  method('create_agent', 44, true, async (ctx, client) => {
    const name = `planner-${ctx.suffix}`;
    const configuration = { model: 'qwen2.5:latest', temperature: 0.2, tools: ['web_search'] };
    const metadata = { team: 'compat', tier: 1 };
    const a = await client.json(sharedReq.createAgent({ name, agent_type: 'reasoning', configuration, metadata }));
    expectObject(a, 'create_agent answer');
    const id = pyUuid(a.id, 'agent id');
    expect(a.did, 'did').toMatch(DID);
    ctx.remember('shared.agent', { id, did: a.did as string, name } satisfies AgentMemo);
    expect(a.name).toBe(name);
    expect(a.agent_type).toBe('reasoning');
    expect(a.status, 'a new agent starts "created"').toBe('created');
    expect(a.configuration).toEqual(configuration);
    expect(a.metadata).toEqual(metadata);
    expect(a.resource_limits).toEqual({});
    expectNaiveIso(a.created_at, 'created_at');
    expectNaiveIso(a.updated_at, 'updated_at');
  }),
  method('get_agent', 58, true, async (ctx, client) => {
    const agent = ctx.recall<AgentMemo>('shared.agent');
    const a = await client.json(sharedReq.getAgent(agent.id));
    expectObject(a, 'get_agent answer');
    expect(a.id).toBe(agent.id);
    expect(a.did).toBe(agent.did);
    expect(a.name).toBe(agent.name);
    expect(a.agent_type).toBe('reasoning');
    expect(a.configuration).toEqual({ model: 'qwen2.5:latest', temperature: 0.2, tools: ['web_search'] });
    expect(a.metadata).toEqual({ team: 'compat', tier: 1 });
    expect(a.resource_limits).toEqual({});
  }),
  method('list_agents', 65, true, async (ctx, client) => {
    const agent = ctx.recall<AgentMemo>('shared.agent');
    const list = await client.json(sharedReq.listAgents({ status: 'created', limit: 100 }));
    expectArray(list, 'list_agents answer');
    expect(list.length).toBeLessThanOrEqual(100);
    expect(list.every((x) => (x as Json).status === 'created'), 'status filter').toBe(true);
    expect(findBy(list, 'id', agent.id, 'list_agents').did).toBe(agent.did);
  }),
  method('update_agent', 75, true, async (ctx, client) => {
    // Configuration/metadata were a 500 on the original (R3); the route is meant to store them.
    const agent = ctx.recall<AgentMemo>('shared.agent');
    const updates = { status: 'busy', configuration: { model: 'qwen2.5:14b', temperature: 0 }, metadata: { team: 'compat', tier: 2 } };
    const a = await client.json(sharedReq.updateAgent(agent.id, updates));
    expectObject(a, 'update_agent answer');
    expect(a.id).toBe(agent.id);
    expect(a.status).toBe('busy');
    expect(a.configuration).toEqual(updates.configuration);
    expect(a.metadata).toEqual(updates.metadata);
    expect(a.name, 'fields not sent stay').toBe(agent.name);
  }),
  method('delete_agent', 82, true, async (ctx, client) => {
    const { id } = await ctx.freshAgent('to-delete');
    expect(await client.deleted(sharedReq.deleteAgent(id)), 'delete_agent returns status_code == 204').toBe(true);
  }),

  // ----------------------------------------------------------------------------------- events
  method('publish_event', 89, true, async (ctx, client) => {
    // Always a 500 on the original (R1); the route is meant to store and return the Event.
    const aggregateId = uuid4();
    const payload = { task_id: `task-${uuid4()}`, duration_ms: 1250, result: { ok: true, items: [1, 2, 3] } };
    const metadata = { source: 'compat', correlation_id: uuid4() };
    const e = await client.json(sharedReq.publishEvent({ event_type: 'task.completed', aggregate_type: 'task', aggregate_id: aggregateId, payload, metadata }));
    expectObject(e, 'publish_event answer');
    const id = pyUuid(e.id, 'event id');
    ctx.remember('shared.event', { id, aggregateId });
    expect(e.event_type).toBe('task.completed');
    expect(e.aggregate_type).toBe('task');
    expect(e.aggregate_id).toBe(aggregateId);
    expect(e.payload).toEqual(payload);
    expect(e.metadata).toEqual(metadata);
    expect(e.version, 'EventCreate.version defaults to 1').toBe(1);
    expectNaiveIso(e.created_at, 'created_at');
  }),
  method('query_events', 104, true, async (ctx, client) => {
    const { id, aggregateId } = ctx.recall<{ id: string; aggregateId: string }>('shared.event');
    const list = await client.json(sharedReq.queryEvents({ aggregate_id: aggregateId, event_type: 'task.completed', limit: 100 }));
    expectArray(list, 'query_events answer');
    expect(list.every((x) => (x as Json).aggregate_id === aggregateId && (x as Json).event_type === 'task.completed'), 'filters').toBe(true);
    const e = findBy(list, 'id', id, 'query_events');
    expect(e.payload).toMatchObject({ duration_ms: 1250 });
  }),

  // ----------------------------------------------------------------------------------- tools
  method('register_tool', 119, true, async (ctx, client) => {
    // Always a 500 on the original (R1).
    const name = `web_search_${ctx.suffix}`;
    const schema_def = { type: 'object', properties: { query: { type: 'string' }, top_k: { type: 'integer' } }, required: ['query'] };
    const t = await client.json(sharedReq.registerTool({ name, schema_def, description: 'Searches the web', tool_type: 'api' }));
    expectObject(t, 'register_tool answer');
    const id = pyUuid(t.id, 'tool id');
    ctx.remember('shared.tool', { id, name });
    expect(t.name).toBe(name);
    expect(t.description).toBe('Searches the web');
    expect(t.tool_type).toBe('api');
    expect(t.schema_def).toEqual(schema_def);
    expect(t.permissions).toEqual({});
    expect(t.enabled).toBe(true);
  }),
  method('get_tool', 133, true, async (ctx, client) => {
    const tool = ctx.recall<{ id: string; name: string }>('shared.tool');
    const t = await client.json(sharedReq.getTool(tool.id));
    expectObject(t, 'get_tool answer');
    expect(t.id).toBe(tool.id);
    expect(t.name).toBe(tool.name);
    expect(t.schema_def).toMatchObject({ required: ['query'] });
  }),
  method('list_tools', 140, true, async (ctx, client) => {
    const tool = ctx.recall<{ id: string; name: string }>('shared.tool');
    const list = await client.json(sharedReq.listTools(false));
    expectArray(list, 'list_tools answer');
    expect(findBy(list, 'id', tool.id, 'list_tools').name).toBe(tool.name);
  }),
  method('record_tool_execution', 147, true, async (ctx, client) => {
    const invocation = uuid4();
    const agentId = await ctx.agent();
    const x = await client.json(
      sharedReq.recordToolExecution({
        invocation_id: invocation,
        tool_name: 'web_search',
        input_params: { query: 'incident report', top_k: 5 },
        tool_version: '1.2.0',
        agent_id: agentId,
        agent_did: await ctx.agentDid(),
        tenant_id: 'tenant-compat',
        session_id: 'session_calc_001',
        parent_sandbox_id: 'sandbox_calc',
        priority: 7,
        idempotency_key: `idem-${uuid4()}`,
        cpu_millicore_limit: 500,
        memory_mb_limit: 512,
        timeout_seconds: 30,
      }),
    );
    expectObject(x, 'record_tool_execution answer');
    expect(x.invocation_id).toBe(invocation);
    ctx.remember('shared.invocation', invocation);
    pyUuid(x.id, 'tool execution id');
    expect(x.tool_name).toBe('web_search');
    expect(x.tool_version).toBe('1.2.0');
    expect(x.status).toBe('pending');
    expect(x.priority).toBe(7);
    expect(x.input_params).toEqual({ query: 'incident report', top_k: 5 });
    expect(x.agent_id).toBe(agentId);
    expect(x.session_id, 'session_id is free text').toBe('session_calc_001');
    expect(x.cpu_millicore_limit).toBe(500);
    expect(x.memory_mb_limit).toBe(512);
    expect(x.timeout_seconds).toBe(30);
    expect(x.async_mode).toBe(false);
    expect(x.require_approval).toBe(false);
    expect(x.documents_accessed).toEqual([]);
    expect(x.checkpoints_created).toEqual([]);
    expect(x.output_result).toBeNull();
  }),
  method('get_tool_execution_by_invocation', 206, true, async (ctx, client) => {
    const invocation = ctx.recall<string>('shared.invocation');
    const x = await client.json(sharedReq.getToolExecutionByInvocation(invocation));
    expectObject(x, 'get_tool_execution_by_invocation answer');
    expect(x.invocation_id).toBe(invocation);
    expect(x.tool_name).toBe('web_search');
    expect(x.priority).toBe(7);
  }),
  method('update_tool_execution', 213, true, async (ctx, client) => {
    const invocation = ctx.recall<string>('shared.invocation');
    const startedAt = pyUtcNow(-900);
    const completedAt = pyUtcNow();
    const output = { result: { hits: 3, urls: ['https://example.org/a'] }, result_type: 'object' };
    const x = await client.json(
      sharedReq.updateToolExecution(invocation, { status: 'success', output_result: output, duration_ms: 840, network_bytes_received: 2048, documents_accessed: ['doc-1'], started_at: startedAt, completed_at: completedAt }),
    );
    expectObject(x, 'update_tool_execution answer');
    expect(x.invocation_id).toBe(invocation);
    expect(x.status).toBe('success');
    expect(x.output_result).toEqual(output);
    expect(x.duration_ms).toBe(840);
    expect(x.network_bytes_received).toBe(2048);
    expect(x.documents_accessed).toEqual(['doc-1']);
    expectTimestamp(x.started_at, startedAt, 'started_at');
    expectTimestamp(x.completed_at, completedAt, 'completed_at');
  }),
  method('list_tool_executions', 273, true, async (ctx, client) => {
    // Unreachable on the original (R5, 422); the route is meant to list.
    const invocation = ctx.recall<string>('shared.invocation');
    const agentId = await ctx.agent();
    const list = await client.json(sharedReq.listToolExecutions({ agent_id: agentId, tool_name: 'web_search', limit: 100, offset: 0 }));
    expectArray(list, 'list_tool_executions answer');
    expect(list.every((x) => (x as Json).agent_id === agentId && (x as Json).tool_name === 'web_search'), 'filters').toBe(true);
    findBy(list, 'invocation_id', invocation, 'list_tool_executions');
  }),

  // ----------------------------------------------------------------------------------- goals and plans
  method('create_goal', 302, false, async (ctx) => {
    // C3: the body of the dead Goal model (no goal_id/agent_did/goal_text): 500 on the original.
    // The caller raises either way; the server must answer a clean error, not fail.
    const req = sharedReq.createGoal({ agent_id: await ctx.agent(), description: 'Ship the quarterly report', success_criteria: [{ metric: 'pages', target: 12 }], priority: 5 });
    expectNo5xx(await ctx.send(req), req);
  }),
  method('get_goal', 316, true, async (ctx, client) => {
    const goalId = await goal(ctx);
    const g = await client.json(sharedReq.getGoal(goalId));
    expectObject(g, 'get_goal answer');
    expect(g.goal_id).toBe(goalId);
    expect(g.goal_text).toBe('Summarise the open incidents of the week');
    expect(g.agent_id).toBe(await ctx.agent());
  }),
  method('update_goal', 323, true, async (ctx, client) => {
    // Only status and decomposition_strategy are applied by the route.
    const goalId = await goal(ctx);
    const g = await client.json(sharedReq.updateGoal(goalId, { status: 'active' }));
    expectObject(g, 'update_goal answer');
    expect(g.goal_id).toBe(goalId);
    expect(g.status).toBe('active');
  }),
  method('list_goals', 330, true, async (ctx, client) => {
    const goalId = await goal(ctx);
    const agentId = await ctx.agent();
    const list = await client.json(sharedReq.listGoals({ agent_id: agentId, limit: 100 }));
    expectArray(list, 'list_goals answer');
    expect(list.every((x) => (x as Json).agent_id === agentId), 'agent_id filter').toBe(true);
    findBy(list, 'goal_id', goalId, 'list_goals');
  }),
  method('create_plan', 341, false, async (ctx) => {
    // C4: no plan_id (the dead Plan model's body): 500 on the original.
    const req = sharedReq.createPlan({ goal_id: uuid4(), agent_id: await ctx.agent(), plan_type: 'sequential', steps: [{ action: 'collect' }, { action: 'summarise' }] });
    expectNo5xx(await ctx.send(req), req);
  }),
  method('update_plan', 362, true, async (ctx, client) => {
    const planId = await plan(ctx);
    const p = await client.json(sharedReq.updatePlan(planId, { status: 'executing' }));
    expectObject(p, 'update_plan answer');
    expect(p.plan_id).toBe(planId);
    expect(p.status).toBe('executing');
  }),
  method('create_task', 370, false, async (ctx) => {
    // C5: there are no task routes; POST /plans/tasks was 405 on the original.
    const req = sharedReq.createTask({ plan_id: uuid4(), agent_id: await ctx.agent(), description: 'Collect incidents', task_type: 'atomic', input_data: { week: 48 } });
    const res = await ctx.send(req);
    expect([404, 405], `${req.method} ${req.path} answered ${res.status}`).toContain(res.status);
  }),
  method('update_task', 385, false, async (ctx) => {
    // C5: PATCH /plans/tasks/{id} was 404 on the original.
    const req = sharedReq.updateTask(uuid4(), { status: 'completed', output_data: { pages: 12 } });
    const res = await ctx.send(req);
    expect([404, 405], `${req.method} ${req.path} answered ${res.status}`).toContain(res.status);
  }),

  // ----------------------------------------------------------------------------------- evaluations, feedback
  method('record_evaluation', 393, true, async (ctx, client) => {
    // Always a 500 on the original (R1).
    const agentId = await ctx.agent();
    const e = await client.json(sharedReq.recordEvaluation({ agent_id: agentId, evaluation_type: 'accuracy', score: 0.87, metrics: { correct: 87, total: 100 }, feedback: 'Mostly right' }));
    expectObject(e, 'record_evaluation answer');
    pyUuid(e.id, 'evaluation id');
    ctx.remember('shared.evaluation', 0.87);
    expect(e.agent_id).toBe(agentId);
    expect(e.evaluation_type).toBe('accuracy');
    // Evaluation.score is a Decimal: a number or its text (pydantic v2), either reads as 0.87.
    expect(pyFloat(e.score, 'score')).toBeCloseTo(0.87, 6);
    expect(e.metrics).toEqual({ correct: 87, total: 100 });
    expect(e.feedback).toBe('Mostly right');
    expect(e.task_id).toBeNull();
  }),
  method('get_agent_stats', 413, true, async (ctx, client) => {
    const s = await client.json(sharedReq.getAgentStats(await ctx.agent()));
    expectObject(s, 'get_agent_stats answer');
    expect(Number.isInteger(s.total_evaluations), 'total_evaluations is an int').toBe(true);
    for (const k of ['avg_score', 'min_score', 'max_score']) {
      expect(k in s && (s[k] === null || typeof s[k] === 'number' || typeof s[k] === 'string'), `${k}: number or null`).toBe(true);
    }
    let recorded: number | undefined;
    try {
      recorded = ctx.recall<number>('shared.evaluation');
    } catch {
      recorded = undefined;
    }
    if (recorded !== undefined) {
      expect(s.total_evaluations as number).toBeGreaterThanOrEqual(1);
      expect(pyFloat(s.min_score, 'min_score')).toBeLessThanOrEqual(recorded + 1e-9);
      expect(pyFloat(s.max_score, 'max_score')).toBeGreaterThanOrEqual(recorded - 1e-9);
    }
  }),
  method('record_feedback', 421, true, async (ctx, client) => {
    // Always a 500 on the original (R1).
    const agentId = await ctx.agent();
    const f = await client.json(sharedReq.recordFeedback({ agent_id: agentId, feedback_type: 'user_rating', content: 'Great answer, cited its sources', rating: 5, metadata: { channel: 'ui' } }));
    expectObject(f, 'record_feedback answer');
    const id = pyUuid(f.id, 'feedback id');
    ctx.remember('shared.feedback', id);
    expect(f.agent_id).toBe(agentId);
    expect(f.feedback_type).toBe('user_rating');
    expect(f.content).toBe('Great answer, cited its sources');
    expect(f.rating).toBe(5);
    expect(f.metadata).toEqual({ channel: 'ui' });
    expect(f.processed).toBe(false);
  }),
  method('get_unprocessed_feedback', 440, true, async (ctx, client) => {
    const list = await client.json(sharedReq.getUnprocessedFeedback(100));
    expectArray(list, 'get_unprocessed_feedback answer');
    expect(list.every((x) => (x as Json).processed === false), 'only unprocessed entries').toBe(true);
    // Oldest first: ours is in the first 100 only while fewer than 100 wait.
    if (list.length < 100) findBy(list, 'id', ctx.recall<string>('shared.feedback'), 'get_unprocessed_feedback');
  }),

  // ----------------------------------------------------------------------------------- model usage
  method('record_model_usage', 448, true, async (ctx, client) => {
    const requestId = `req-${uuid4()}`;
    const u = await client.json(
      sharedReq.recordModelUsage({
        request_id: requestId,
        model_provider: 'ollama',
        model_name: 'mixtral:8x7b',
        input_tokens: 35,
        output_tokens: 142,
        agent_id: await ctx.agent(),
        agent_did: await ctx.agentDid(),
        tenant_id: 'tenant-prod-001',
        session_id: 'session-quantum-discussion',
        model_id: 'mixtral:8x7b',
        latency_ms: 2340,
        cost_estimate: 0.01844,
        cost_input_cents: 0.14,
        cost_output_cents: 1.704,
        cost_cached_cents: 0,
        finish_reason: 'stop',
        metadata: { model_version: '8x7b-v0.1' },
      }),
    );
    expectObject(u, 'record_model_usage answer');
    expect(u.request_id).toBe(requestId);
    expect(u.model_provider).toBe('ollama');
    expect(u.model_name).toBe('mixtral:8x7b');
    expect(u.model_id, 'model_id is free text').toBe('mixtral:8x7b');
    expect(u.input_tokens).toBe(35);
    expect(u.output_tokens).toBe(142);
    expect(u.total_tokens, 'the client computes input + output').toBe(177);
    expect(u.cached_tokens).toBe(0);
    expect(u.latency_ms).toBe(2340);
    expect(u.cached).toBe(false);
    expect(pyFloat(u.cost_estimate, 'cost_estimate')).toBeCloseTo(0.01844, 6);
    expect(pyFloat(u.cost_output_cents, 'cost_output_cents')).toBeCloseTo(1.704, 6);
    expect(u.finish_reason).toBe('stop');
    expect(u.response_status).toBe('success');
    expect(u.session_id).toBe('session-quantum-discussion');
    expect(u.metadata).toEqual({ model_version: '8x7b-v0.1' });
  }),

  // ----------------------------------------------------------------------------------- L05 goals and plans
  method('record_goal', 519, true, async (ctx, client) => {
    const goalId = uuid4();
    const parent = uuid4();
    const agentId = await ctx.agent();
    const constraints = {
      max_token_budget: 5000,
      max_execution_time_sec: 300,
      max_parallelism: 5,
      deadline_unix_ms: 1798761600000,
      priority: 7,
      require_approval: true,
      allowed_agent_types: ['planner', 'executor'],
      forbidden_tools: ['shell'],
      cost_limit_usd: 2.5,
    };
    const g = await client.json(
      sharedReq.recordGoal({
        goal_id: goalId,
        agent_did: await ctx.agentDid(),
        goal_text: 'Complete the user registration workflow',
        agent_id: agentId,
        goal_type: 'recursive',
        status: 'pending',
        constraints,
        metadata: { context: 'e2e-test', attempt: 1 },
        parent_goal_id: parent,
        decomposition_strategy: 'hybrid',
      }),
    );
    expectObject(g, 'record_goal answer');
    expect(g.goal_id).toBe(goalId);
    ctx.remember('shared.goal', goalId);
    pyUuid(g.id, 'goal row id');
    expect(g.agent_id).toBe(agentId);
    expect(g.goal_text).toBe('Complete the user registration workflow');
    expect(g.goal_type).toBe('recursive');
    expect(g.status).toBe('pending');
    expect(g.constraints_max_token_budget).toBe(5000);
    expect(g.constraints_max_execution_time_sec).toBe(300);
    expect(g.constraints_max_parallelism).toBe(5);
    expect(g.constraints_deadline_unix_ms).toBe(1798761600000);
    expect(g.constraints_priority).toBe(7);
    expect(g.constraints_require_approval).toBe(true);
    expect(g.constraints_allowed_agent_types).toEqual(['planner', 'executor']);
    expect(g.constraints_forbidden_tools).toEqual(['shell']);
    expect(pyFloat(g.constraints_cost_limit_usd, 'constraints_cost_limit_usd')).toBe(2.5);
    expect(g.metadata).toEqual({ context: 'e2e-test', attempt: 1 });
    expect(g.parent_goal_id).toBe(parent);
    expect(g.decomposition_strategy).toBe('hybrid');
    expectNaiveIso(g.created_at, 'created_at');
  }),
  method('update_goal_status', 557, true, async (ctx, client) => {
    const goalId = ctx.recall<string>('shared.goal');
    const g = await client.json(sharedReq.updateGoalStatus(goalId, 'decomposing', 'llm'));
    expectObject(g, 'update_goal_status answer');
    expect(g.goal_id).toBe(goalId);
    expect(g.status).toBe('decomposing');
    expect(g.decomposition_strategy).toBe('llm');
    expect(g.goal_text, 'fields not sent stay').toBe('Complete the user registration workflow');
  }),
  method('record_plan', 574, true, async (ctx, client) => {
    const planId = `plan-${uuid4()}`;
    const goalId = await goal(ctx);
    const t1 = `task-${uuid4()}`;
    const t2 = `task-${uuid4()}`;
    const tasks = [
      { task_id: t1, name: 'Design API schema', description: 'Design the API endpoint schema', task_type: 'llm_call', status: 'pending', dependencies: [], inputs: {}, outputs: {}, assigned_agent: null, timeout_seconds: 120, retry_count: 0, tool_name: null, llm_prompt: 'Design a schema', metadata: { priority: 'high' }, retry_policy: { max_retries: 3, backoff_multiplier: 2.0, max_delay_sec: 60 } },
      { task_id: t2, name: 'Implement endpoint', description: 'Write the API endpoint code', task_type: 'tool_call', status: 'pending', dependencies: [t1], inputs: { language: 'python' }, outputs: {}, assigned_agent: 'did:agent:coder:1a2b3c4d', timeout_seconds: 300, retry_count: 0, tool_name: 'code_writer', llm_prompt: null, metadata: {} },
    ];
    const resourceBudget = { max_token_count: 8000, max_execution_time_sec: 600, max_parallel_tasks: 2, max_cpu_cores: 2, max_memory_mb: 1024, max_disk_mb: 512, max_network_mb: 100, max_cost_usd: 1.5 };
    const p = await client.json(
      sharedReq.recordPlan({
        plan_id: planId,
        goal_id: goalId,
        agent_id: await ctx.agent(),
        tasks,
        dependency_graph: { [t2]: [t1], [t1]: [] },
        status: 'validated',
        resource_budget: resourceBudget,
        decomposition_strategy: 'hybrid',
        decomposition_latency_ms: 245.5,
        cache_hit: false,
        llm_provider: 'ollama',
        llm_model: 'qwen2.5:latest',
        total_tokens_used: 1234,
        validation_time_ms: 89.3,
        tags: ['api', 'backend'],
        metadata: {},
      }),
    );
    expectObject(p, 'record_plan answer');
    expect(p.plan_id).toBe(planId);
    ctx.remember('shared.plan', planId);
    expect(p.goal_id).toBe(goalId);
    expect(p.tasks, 'tasks is a JSON array').toEqual(tasks);
    expect(p.dependency_graph).toEqual({ [t2]: [t1], [t1]: [] });
    expect(p.status).toBe('validated');
    expect(p.resource_budget).toEqual(resourceBudget);
    expect(pyFloat(p.decomposition_latency_ms, 'decomposition_latency_ms')).toBe(245.5);
    expect(p.cache_hit).toBe(false);
    expect(p.llm_provider).toBe('ollama');
    expect(p.llm_model).toBe('qwen2.5:latest');
    expect(p.total_tokens_used).toBe(1234);
    expect(pyFloat(p.validation_time_ms, 'validation_time_ms')).toBe(89.3);
    expect(p.tags).toEqual(['api', 'backend']);
    expect(p.metadata).toEqual({});
    expect(p.parallelism_achieved).toBe(1);
    expect(p.completed_task_count).toBe(0);
    expect(p.failed_task_count).toBe(0);
  }),
  method('update_plan_status', 627, true, async (ctx, client) => {
    const planId = ctx.recall<string>('shared.plan');
    const validatedAt = pyUtcNow(-60_000);
    const startedAt = pyUtcNow(-30_000);
    const completedAt = pyUtcNow();
    const p = await client.json(
      sharedReq.updatePlanStatus(planId, { status: 'completed', validated_at: validatedAt, execution_started_at: startedAt, execution_completed_at: completedAt, execution_time_ms: 30000.5, parallelism_achieved: 2, completed_task_count: 2, failed_task_count: 0 }),
    );
    expectObject(p, 'update_plan_status answer');
    expect(p.plan_id).toBe(planId);
    expect(p.status).toBe('completed');
    expectTimestamp(p.validated_at, validatedAt, 'validated_at');
    expectTimestamp(p.execution_started_at, startedAt, 'execution_started_at');
    expectTimestamp(p.execution_completed_at, completedAt, 'execution_completed_at');
    expect(pyFloat(p.execution_time_ms, 'execution_time_ms')).toBe(30000.5);
    expect(p.parallelism_achieved).toBe(2);
    expect(p.completed_task_count).toBe(2);
    expect(p.failed_task_count).toBe(0);
  }),
  method('get_plan', 665, true, async (ctx, client) => {
    const planId = ctx.recall<string>('shared.plan');
    const p = await client.json(sharedReq.getPlan(planId));
    expectObject(p, 'get_plan answer');
    expect(p.plan_id).toBe(planId);
    expectArray(p.tasks, 'tasks');
    expect(p.tasks).toHaveLength(2);
    expect(p.status).toBe('completed');
  }),

  // ----------------------------------------------------------------------------------- config
  method('set_config', 680, true, async (ctx, client) => {
    // Always a 500 on the original (R1). The value dict is the whole body.
    const key = `planner-${ctx.suffix}`;
    const value = { max_depth: 3, strategies: ['llm', 'template'], cache: { ttl_sec: 600 } };
    const c = await client.json(sharedReq.setConfig('l05', key, value));
    expectObject(c, 'set_config answer');
    expect(c.namespace).toBe('l05');
    expect(c.key).toBe(key);
    ctx.remember('shared.config', { key, value });
    expect(c.value).toEqual(value);
    expect(c.version, 'a new key starts at version 1').toBe(1);
  }),
  method('get_config', 673, true, async (ctx, client) => {
    // 404 in practice on the original (nothing could be stored, R4).
    const { key, value } = ctx.recall<{ key: string; value: Json }>('shared.config');
    const c = await client.json(sharedReq.getConfig('l05', key));
    expectObject(c, 'get_config answer');
    expect(c.namespace).toBe('l05');
    expect(c.key).toBe(key);
    expect(c.value).toEqual(value);
  }),

  // ----------------------------------------------------------------------------------- sessions
  method('create_session', 688, true, async (ctx, client) => {
    const agentId = await ctx.agent();
    const l02Session = `sess-${uuid4()}`;
    const context = { agent_config: { agent_id: agentId, trust_level: 'trusted' }, sandbox_config: { runtime_class: 'runc' } };
    const runtimeMetadata = { l02_session_id: l02Session, l02_agent_state: 'running', pod_name: 'agent-pod-7f9c', container_id: null };
    const s = await client.json(sharedReq.createSession({ agent_id: agentId, session_type: 'runtime', context, runtime_backend: 'kubernetes', runtime_metadata: runtimeMetadata }));
    expectObject(s, 'create_session answer');
    const id = pyUuid(s.id, 'session id');
    ctx.remember('shared.session', id);
    expect(s.agent_id).toBe(agentId);
    expect(s.session_type).toBe('runtime');
    expect(s.status).toBe('active');
    expect(s.context).toEqual(context);
    expect(s.checkpoint).toBeNull();
    expect(s.runtime_backend).toBe('kubernetes');
    expect(s.runtime_metadata).toEqual(runtimeMetadata);
  }),
  method('get_session', 708, true, async (ctx, client) => {
    const id = ctx.recall<string>('shared.session');
    const s = await client.json(sharedReq.getSession(id));
    expectObject(s, 'get_session answer');
    expect(s.id).toBe(id);
    expect(s.session_type).toBe('runtime');
    expect(s.runtime_backend).toBe('kubernetes');
  }),
  method('update_session', 715, true, async (ctx, client) => {
    const id = ctx.recall<string>('shared.session');
    const checkpoint = { l02_checkpoint_id: `ckpt-${uuid4()}`, size_bytes: 2048 };
    const runtimeMetadata = { l02_agent_state: 'suspended', previous_state: 'running' };
    const s = await client.json(sharedReq.updateSession(id, { status: 'paused', checkpoint, runtime_metadata: runtimeMetadata }));
    expectObject(s, 'update_session answer');
    expect(s.status).toBe('paused');
    expect(s.checkpoint).toEqual(checkpoint);
    expect(s.runtime_metadata, 'JSON fields are replaced, not merged').toEqual(runtimeMetadata);
    expect(s.session_type, 'fields not sent stay').toBe('runtime');
  }),
  method('list_sessions', 739, true, async (ctx, client) => {
    const id = ctx.recall<string>('shared.session');
    const agentId = await ctx.agent();
    const list = await client.json(sharedReq.listSessions({ agent_id: agentId, limit: 100 }));
    expectArray(list, 'list_sessions answer');
    expect(list.every((x) => (x as Json).agent_id === agentId), 'agent_id filter').toBe(true);
    expect(findBy(list, 'id', id, 'list_sessions').status).toBe('paused');
  }),

  // ----------------------------------------------------------------------------------- training examples
  method('create_training_example', 754, true, async (ctx, client) => {
    const agentId = await ctx.agent();
    const domain = `code-${ctx.suffix}`;
    const expectedActions = [{ tool: 'code_writer', args: { file: 'api.py' } }];
    const e = await client.json(
      sharedReq.createTrainingExample({
        input_text: 'Write a FastAPI endpoint that lists users',
        execution_id: `exec-${uuid4()}`,
        task_id: `task-${uuid4()}`,
        agent_id: agentId,
        source_type: 'execution_trace',
        output_text: '@app.get("/users")\nasync def users(): ...',
        expected_actions: expectedActions,
        final_answer: 'Endpoint written',
        quality_score: 87.5,
        confidence: 0.9231,
        labels: ['success'],
        domain,
        task_type: 'code_generation',
        difficulty: 0.65,
        metadata: { trace_spans: 14 },
      }),
    );
    expectObject(e, 'create_training_example answer');
    const id = pyUuid(e.id, 'training example id');
    ctx.remember('shared.example', { id, domain });
    expect(e.agent_id).toBe(agentId);
    expect(e.input_text).toBe('Write a FastAPI endpoint that lists users');
    expect(e.source_type).toBe('execution_trace');
    expect(e.expected_actions).toEqual(expectedActions);
    expect(e.final_answer).toBe('Endpoint written');
    expect(pyFloat(e.quality_score, 'quality_score')).toBe(87.5);
    expect(pyFloat(e.confidence, 'confidence')).toBe(0.9231);
    expect(e.labels).toEqual(['success']);
    expect(e.domain).toBe(domain);
    expect(e.task_type).toBe('code_generation');
    expect(pyFloat(e.difficulty, 'difficulty')).toBe(0.65);
    expect(e.metadata).toEqual({ trace_spans: 14 });
    expect(e.input_structured).toEqual({});
    expect(e.extracted_by, 'default').toBe('L07 TrainingDataExtractor');
  }),
  method('get_training_example', 794, true, async (ctx, client) => {
    const { id, domain } = ctx.recall<{ id: string; domain: string }>('shared.example');
    const e = await client.json(sharedReq.getTrainingExample(id));
    expectObject(e, 'get_training_example answer');
    expect(e.id).toBe(id);
    expect(e.domain).toBe(domain);
    expect(pyFloat(e.quality_score, 'quality_score')).toBe(87.5);
  }),
  method('list_training_examples', 801, true, async (ctx, client) => {
    const { id, domain } = ctx.recall<{ id: string; domain: string }>('shared.example');
    const list = await client.json(sharedReq.listTrainingExamples({ agent_id: await ctx.agent(), domain, min_quality: '80.0', source_type: 'execution_trace', limit: 100, offset: 0 }));
    expectArray(list, 'list_training_examples answer');
    expect(list.every((x) => (x as Json).domain === domain && Number((x as Json).quality_score) >= 80), 'filters').toBe(true);
    findBy(list, 'id', id, 'list_training_examples');
  }),
  method('update_training_example', 825, true, async (ctx, client) => {
    const { id } = ctx.recall<{ id: string }>('shared.example');
    const e = await client.json(sharedReq.updateTrainingExample(id, { quality_score: 91.25, labels: ['success', 'reviewed'], metadata: { reviewer: 'alice' } }));
    expectObject(e, 'update_training_example answer');
    expect(pyFloat(e.quality_score, 'quality_score')).toBe(91.25);
    expect(e.labels).toEqual(['success', 'reviewed']);
    expect(e.metadata).toEqual({ reviewer: 'alice' });
    expect(e.input_text, 'fields not sent stay').toBe('Write a FastAPI endpoint that lists users');
  }),
  method('delete_training_example', 836, true, async (ctx, client) => {
    const id = await trainingExample(ctx, true);
    expect(await client.deleted(sharedReq.deleteTrainingExample(id)), 'delete_training_example returns status_code == 204').toBe(true);
  }),
  method('get_training_example_statistics', 842, true, async (_ctx, client) => {
    const s = await client.json(sharedReq.getTrainingExampleStatistics());
    expectObject(s, 'get_training_example_statistics answer');
    expect(Number.isInteger(s.total_examples) && (s.total_examples as number) >= 1, 'total_examples counts the examples written').toBe(true);
    for (const k of ['avg_quality_score', 'avg_confidence', 'avg_difficulty']) expect(typeof s[k], k).toBe('number');
    expect(Number.isInteger(s.unique_domains), 'unique_domains').toBe(true);
    expect(Number.isInteger(s.unique_agents), 'unique_agents').toBe(true);
    expectObject(s.domain_distribution, 'domain_distribution');
  }),

  // ----------------------------------------------------------------------------------- datasets
  method('create_dataset', 850, true, async (ctx, client) => {
    const name = `incident-summaries-${ctx.suffix}`;
    const splitRatios = { train: 0.7, validation: 0.15, test: 0.15 };
    const statistics = { total_examples: 0, quality_score_mean: 0.0 };
    const d = await client.json(sharedReq.createDataset({ name, version: '2.1.0', description: 'Summaries of incidents', tags: ['incidents', `run-${ctx.suffix}`], split_ratios: splitRatios, statistics }));
    expectObject(d, 'create_dataset answer');
    const id = pyUuid(d.id, 'dataset id');
    ctx.remember('shared.dataset', { id, name });
    expect(d.name).toBe(name);
    expect(d.version, 'version is the semver string').toBe('2.1.0');
    expect(d.description).toBe('Summaries of incidents');
    expect(d.tags).toEqual(['incidents', `run-${ctx.suffix}`]);
    expect(d.split_ratios).toEqual(splitRatios);
    expect(d.statistics).toEqual(statistics);
    expect(d.lineage).toEqual({ source_datasets: [], extraction_jobs: [], filter_configs: [], transformations: [] });
    expect(d.created_by, 'default').toBe('L07 DatasetCurator');
  }),
  method('get_dataset', 872, true, async (ctx, client) => {
    const { id, name } = ctx.recall<{ id: string; name: string }>('shared.dataset');
    const d = await client.json(sharedReq.getDataset(id));
    expectObject(d, 'get_dataset answer');
    expect(d.id).toBe(id);
    expect(d.name).toBe(name);
    expect(d.version).toBe('2.1.0');
  }),
  method('list_datasets', 879, true, async (ctx, client) => {
    const { id } = ctx.recall<{ id: string; name: string }>('shared.dataset');
    // name_filter is a case-insensitive substring, tag_filter an exact element of tags.
    const list = await client.json(sharedReq.listDatasets({ name_filter: `SUMMARIES-${ctx.suffix.toUpperCase()}`, tag_filter: `run-${ctx.suffix}`, limit: 100, offset: 0 }));
    expectArray(list, 'list_datasets answer');
    expect(list.every((x) => ((x as Json).tags as unknown[] | undefined)?.includes(`run-${ctx.suffix}`) === true), 'tag_filter').toBe(true);
    findBy(list, 'id', id, 'list_datasets');
  }),
  method('update_dataset', 897, true, async (ctx, client) => {
    const { id, name } = ctx.recall<{ id: string; name: string }>('shared.dataset');
    const d = await client.json(sharedReq.updateDataset(id, { description: 'Curated incident summaries', tags: ['incidents', 'curated', `run-${ctx.suffix}`], statistics: { total_examples: 1 } }));
    expectObject(d, 'update_dataset answer');
    expect(d.description).toBe('Curated incident summaries');
    expect(d.tags).toEqual(['incidents', 'curated', `run-${ctx.suffix}`]);
    expect(d.statistics).toEqual({ total_examples: 1 });
    expect(d.name, 'fields not sent stay').toBe(name);
  }),
  method('delete_dataset', 908, true, async (ctx, client) => {
    const id = await dataset(ctx, true);
    expect(await client.deleted(sharedReq.deleteDataset(id)), 'delete_dataset returns status_code == 204').toBe(true);
  }),
  method('add_example_to_dataset', 914, true, async (ctx, client) => {
    const { id: datasetId } = ctx.recall<{ id: string }>('shared.dataset');
    const exampleId = await trainingExample(ctx, true);
    const l = await client.json(sharedReq.addExampleToDataset(datasetId, exampleId, 'validation'));
    expectObject(l, 'add_example_to_dataset answer');
    ctx.remember('shared.link', { datasetId, exampleId });
    pyUuid(l.id, 'link id');
    expect(l.dataset_id).toBe(datasetId);
    expect(l.example_id).toBe(exampleId);
    expect(l.split).toBe('validation');
    expectNaiveIso(l.created_at, 'created_at');
  }),
  method('get_dataset_examples', 939, true, async (ctx, client) => {
    const { datasetId, exampleId } = ctx.recall<{ datasetId: string; exampleId: string }>('shared.link');
    expect(await client.datasetExamples(datasetId), 'all splits').toContain(exampleId);
    expect(await client.datasetExamples(datasetId, 'validation'), 'split=validation').toContain(exampleId);
    expect(await client.datasetExamples(datasetId, 'test'), 'split=test').not.toContain(exampleId);
  }),
  method('get_dataset_split_counts', 953, true, async (ctx, client) => {
    const { datasetId } = ctx.recall<{ datasetId: string }>('shared.link');
    const counts = await client.json(sharedReq.getDatasetSplitCounts(datasetId));
    expectObject(counts, 'get_dataset_split_counts answer');
    expect(counts, 'only non-empty splits').toEqual({ validation: 1 });
  }),
  method('remove_example_from_dataset', 929, true, async (ctx, client) => {
    const { datasetId } = ctx.recall<{ datasetId: string }>('shared.link');
    const exampleId = await trainingExample(ctx, true);
    await link(ctx, datasetId, exampleId, 'test');
    expect(await client.deleted(sharedReq.removeExampleFromDataset(datasetId, exampleId)), 'remove_example_from_dataset returns status_code == 204').toBe(true);
  }),
  method('get_dataset_statistics', 960, true, async (_ctx, client) => {
    const s = await client.json(sharedReq.getDatasetStatistics());
    expectObject(s, 'get_dataset_statistics answer');
    for (const k of ['total_datasets', 'unique_names', 'total_links', 'datasets_with_examples', 'unique_examples_in_datasets']) {
      expect(Number.isInteger(s[k]), `${k} is an int`).toBe(true);
    }
    expect(s.total_links as number, 'the link written counts').toBeGreaterThanOrEqual(1);
  }),

  // ----------------------------------------------------------------------------------- L06 records
  method('record_quality_score', 969, true, async (ctx, client) => {
    const scoreId = uuid4();
    const timestamp = pyUtcNow();
    const dimensions = {
      accuracy: { dimension: 'accuracy', score: 0.95, weight: 0.3, raw_metrics: { correct: 95, total: 100 } },
      latency: { dimension: 'latency', score: 0.88, weight: 0.2, raw_metrics: { avg_ms: 120, p95_ms: 200 } },
    };
    const agentId = await ctx.agent();
    const q = await client.json(
      sharedReq.recordQualityScore({ score_id: scoreId, agent_did: await ctx.agentDid(), tenant_id: 'tenant-456', timestamp, overall_score: 0.9215, assessment: 'Good', dimensions, agent_id: agentId, data_completeness: 0.98, cached: false, metadata: { window: '1h' } }),
    );
    expectObject(q, 'record_quality_score answer');
    expect(q.score_id).toBe(scoreId);
    ctx.remember('shared.quality_score', scoreId);
    expect(q.agent_id).toBe(agentId);
    expect(q.tenant_id).toBe('tenant-456');
    expectTimestamp(q.timestamp, timestamp, 'timestamp');
    expect(pyFloat(q.overall_score, 'overall_score')).toBeCloseTo(0.9215, 4);
    expect(q.assessment).toBe('Good');
    expect(q.dimensions).toEqual(dimensions);
    expect(pyFloat(q.data_completeness, 'data_completeness')).toBe(0.98);
    expect(q.cached).toBe(false);
    expect(q.metadata).toEqual({ window: '1h' });
  }),
  method('get_quality_score', 1006, true, async (ctx, client) => {
    const scoreId = ctx.recall<string>('shared.quality_score');
    const q = await client.json(sharedReq.getQualityScore(scoreId));
    expectObject(q, 'get_quality_score answer');
    expect(q.score_id).toBe(scoreId);
    expect(q.assessment).toBe('Good');
  }),
  method('record_metric', 1013, true, async (ctx, client) => {
    const timestamp = pyUtcNow();
    const taskId = `task-${uuid4()}`;
    const labels = { task_id: taskId, agent_id: 'agent-789', tenant_id: 'tenant-metrics' };
    const agentId = await ctx.agent();
    const m = await client.json(sharedReq.recordMetric({ metric_name: 'task_duration_seconds', value: 1.25, timestamp, metric_type: 'gauge', labels, agent_id: agentId, tenant_id: 'tenant-metrics' }));
    expectObject(m, 'record_metric answer');
    pyUuid(m.id, 'metric id');
    ctx.remember('shared.metric', { timestamp, taskId });
    expect(m.metric_name).toBe('task_duration_seconds');
    expect(m.metric_type).toBe('gauge');
    expect(pyFloat(m.value, 'value')).toBe(1.25);
    expectTimestamp(m.timestamp, timestamp, 'timestamp');
    expect(m.labels).toEqual(labels);
    expect(m.agent_id).toBe(agentId);
    expect(m.tenant_id).toBe('tenant-metrics');
  }),
  method('query_metrics', 1043, true, async (ctx, client) => {
    const { timestamp, taskId } = ctx.recall<{ timestamp: string; taskId: string }>('shared.metric');
    const at = Date.parse(`${timestamp.slice(0, 23)}Z`);
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 23);
    const list = await client.json(
      sharedReq.queryMetrics({ metric_name: 'task_duration_seconds', start_time: iso(at - 60_000), end_time: iso(at + 60_000), agent_id: await ctx.agent(), labels: `{'task_id': '${taskId}'}`, limit: 1000 }),
    );
    expectArray(list, 'query_metrics answer');
    expect(list.every((x) => (x as Json).metric_name === 'task_duration_seconds'), 'metric_name filter').toBe(true);
    const mine = list.find((x) => ((x as Json).labels as Json | undefined)?.task_id === taskId) as Json | undefined;
    expect(mine, 'the metric written is in the time range').toBeDefined();
    expect(pyFloat(mine?.value, 'value')).toBe(1.25);
  }),
  method('record_anomaly', 1073, true, async (ctx, client) => {
    const anomalyId = `anom-${uuid4()}`;
    const detectedAt = pyUtcNow();
    const agentId = await ctx.agent();
    const a = await client.json(
      sharedReq.recordAnomaly({ anomaly_id: anomalyId, metric_name: 'response_time_ms', severity: 'warning', baseline_value: 120.0, current_value: 350.0, z_score: 3.5, detected_at: detectedAt, agent_id: agentId, agent_did: 'agent-alert-123', tenant_id: 'tenant-alert-456', deviation_percent: 191.6667, confidence: 0.95, status: 'alerting', alert_sent: false }),
    );
    expectObject(a, 'record_anomaly answer');
    expect(a.anomaly_id).toBe(anomalyId);
    ctx.remember('shared.anomaly', anomalyId);
    expect(a.metric_name).toBe('response_time_ms');
    expect(a.severity).toBe('warning');
    expect(pyFloat(a.baseline_value, 'baseline_value')).toBe(120);
    expect(pyFloat(a.current_value, 'current_value')).toBe(350);
    expect(pyFloat(a.z_score, 'z_score')).toBe(3.5);
    expect(pyFloat(a.deviation_percent, 'deviation_percent')).toBeCloseTo(191.6667, 4);
    expect(pyFloat(a.confidence, 'confidence')).toBe(0.95);
    expect(a.status).toBe('alerting');
    expect(a.alert_sent).toBe(false);
    expectTimestamp(a.detected_at, detectedAt, 'detected_at');
    expect(a.resolved_at).toBeNull();
    expect(a.agent_id).toBe(agentId);
    expect(a.agent_did).toBe('agent-alert-123');
  }),
  method('get_anomaly', 1119, true, async (ctx, client) => {
    const anomalyId = ctx.recall<string>('shared.anomaly');
    const a = await client.json(sharedReq.getAnomaly(anomalyId));
    expectObject(a, 'get_anomaly answer');
    expect(a.anomaly_id).toBe(anomalyId);
    expect(a.severity).toBe('warning');
  }),
  method('update_anomaly_status', 1126, true, async (ctx, client) => {
    const anomalyId = ctx.recall<string>('shared.anomaly');
    const resolvedAt = pyUtcNow();
    const a = await client.json(sharedReq.updateAnomalyStatus(anomalyId, 'resolved', resolvedAt, true));
    expectObject(a, 'update_anomaly_status answer');
    expect(a.status).toBe('resolved');
    expectTimestamp(a.resolved_at, resolvedAt, 'resolved_at');
    expect(a.alert_sent).toBe(true);
  }),
  method('record_compliance_result', 1149, true, async (ctx, client) => {
    const resultId = `comp-${uuid4()}`;
    const timestamp = pyUtcNow();
    const constraint = { constraint_id: `const-${uuid4()}`, constraint_type: 'budget', name: 'Token Budget', limit: 5000, unit: 'tokens', description: 'Maximum tokens per execution' };
    const violation = { violation_id: `viol-${uuid4()}`, constraint, timestamp: `${timestamp}Z`, actual: 7500, agent_id: 'agent-compliance-123', task_id: 'task-compliance-456', tenant_id: 'tenant-compliance-789', severity: 'warning', violation_duration_seconds: 0.0, remediation_suggested: 'Reduce prompt size or use smaller model' };
    const r = await client.json(
      sharedReq.recordComplianceResult({ result_id: resultId, execution_id: 'exec-compliance-999', agent_did: 'agent-compliance-123', tenant_id: 'tenant-compliance-789', timestamp, compliant: false, violations: [violation], constraints_checked: [constraint], agent_id: await ctx.agent() }),
    );
    expectObject(r, 'record_compliance_result answer');
    expect(r.result_id).toBe(resultId);
    ctx.remember('shared.compliance', resultId);
    expect(r.execution_id, 'execution_id is free text').toBe('exec-compliance-999');
    expect(r.agent_did).toBe('agent-compliance-123');
    expect(r.compliant).toBe(false);
    expect(r.violations).toEqual([violation]);
    expect(r.constraints_checked).toEqual([constraint]);
    expectTimestamp(r.timestamp, timestamp, 'timestamp');
  }),
  method('get_compliance_result', 1182, true, async (ctx, client) => {
    const resultId = ctx.recall<string>('shared.compliance');
    const r = await client.json(sharedReq.getComplianceResult(resultId));
    expectObject(r, 'get_compliance_result answer');
    expect(r.result_id).toBe(resultId);
    expect(r.compliant).toBe(false);
  }),
  method('record_alert', 1189, true, async (ctx, client) => {
    const alertId = `alert-${uuid4()}`;
    const timestamp = pyUtcNow();
    const metadata = { threshold: 500, actual: 850, z_score: 4.2 };
    const a = await client.json(
      sharedReq.recordAlert({ alert_id: alertId, timestamp, severity: 'critical', alert_type: 'anomaly', metric: 'latency_p95', message: 'High latency detected: 95th percentile exceeds threshold', channels: ['slack', 'pagerduty'], agent_id: await ctx.agent(), agent_did: 'agent-alert-555', tenant_id: 'tenant-alert-666', metadata }),
    );
    expectObject(a, 'record_alert answer');
    expect(a.alert_id).toBe(alertId);
    ctx.remember('shared.alert', alertId);
    expect(a.severity).toBe('critical');
    expect(a.type, 'alert_type is stored as type').toBe('anomaly');
    expect(a.metric).toBe('latency_p95');
    expect(a.channels).toEqual(['slack', 'pagerduty']);
    expect(a.delivery_attempts).toBe(0);
    expect(a.delivered).toBe(false);
    expect(a.metadata).toEqual(metadata);
    expectTimestamp(a.timestamp, timestamp, 'timestamp');
  }),
  method('update_alert_delivery', 1228, true, async (ctx, client) => {
    const alertId = ctx.recall<string>('shared.alert');
    const lastAttempt = pyUtcNow();
    const a = await client.json(sharedReq.updateAlertDelivery(alertId, 3, true, lastAttempt));
    expectObject(a, 'update_alert_delivery answer');
    expect(a.delivery_attempts).toBe(3);
    expect(a.delivered).toBe(true);
    expectTimestamp(a.last_attempt, lastAttempt, 'last_attempt');
  }),
  method('get_alert', 1250, true, async (ctx, client) => {
    const alertId = ctx.recall<string>('shared.alert');
    const a = await client.json(sharedReq.getAlert(alertId));
    expectObject(a, 'get_alert answer');
    expect(a.alert_id).toBe(alertId);
    expect(a.delivered).toBe(true);
  }),

  // ----------------------------------------------------------------------------------- L09 records
  method('record_api_request', 1261, true, async (_ctx, client) => {
    const traceId = uuidHex();
    const spanId = uuidHex().slice(0, 16);
    const requestId = `req-${traceId}-${spanId}`;
    const timestamp = pyUtcNow();
    const r = await client.json(
      sharedReq.recordApiRequest({
        request_id: requestId,
        trace_id: traceId,
        span_id: spanId,
        timestamp,
        method: 'POST',
        path: '/api/v1/agents',
        status_code: 201,
        latency_ms: 123.45,
        consumer_id: 'lifecycle_consumer',
        tenant_id: 'lifecycle_tenant',
        authenticated: true,
        auth_method: 'api_key',
        request_size_bytes: 512,
        response_size_bytes: 1024,
        rate_limit_tier: 'premium',
        idempotency_key: uuid4(),
        client_ip: '127.0.0.1',
        user_agent: 'lifecycle-test',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        query_params: { dry_run: 'false' },
        metadata: { route: 'agents.create' },
      }),
    );
    expectObject(r, 'record_api_request answer');
    pyUuid(r.id, 'api request id');
    expect(r.request_id).toBe(requestId);
    expect(r.trace_id).toBe(traceId);
    expect(r.span_id).toBe(spanId);
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/api/v1/agents');
    expect(r.status_code).toBe(201);
    expect(pyFloat(r.latency_ms, 'latency_ms')).toBe(123.45);
    expectTimestamp(r.timestamp, timestamp, 'timestamp');
  }),
  method('record_authentication_event', 1337, true, async (_ctx, client) => {
    const eventId = `auth-${uuid4()}`;
    const timestamp = pyUtcNow();
    const r = await client.json(sharedReq.recordAuthenticationEvent({ event_id: eventId, timestamp, auth_method: 'oauth_jwt', success: false, consumer_id: 'test_consumer', tenant_id: 'test_tenant', failure_reason: 'Token expired', client_ip: '10.0.0.7', user_agent: 'test-agent', metadata: { issuer: 'https://auth.example.org' } }));
    expectObject(r, 'record_authentication_event answer');
    pyUuid(r.id, 'authentication event id');
    expect(r.event_id).toBe(eventId);
    expect(r.auth_method).toBe('oauth_jwt');
    expect(r.success).toBe(false);
    expectTimestamp(r.timestamp, timestamp, 'timestamp');
  }),
  method('record_rate_limit_event', 1377, true, async (_ctx, client) => {
    const eventId = `ratelimit-${uuid4()}`;
    const timestamp = pyUtcNow();
    const r = await client.json(
      sharedReq.recordRateLimitEvent({ event_id: eventId, timestamp, consumer_id: 'test_consumer', rate_limit_tier: 'standard', tokens_remaining: 0, tokens_limit: 1000, window_start: pyUtcNow(-3_600_000), window_end: pyUtcNow(3_600_000), tenant_id: 'test_tenant', endpoint: '/api/agents', tokens_requested: 1, exceeded: true, metadata: { retry_after_sec: 42 } }),
    );
    expectObject(r, 'record_rate_limit_event answer');
    pyUuid(r.id, 'rate limit event id');
    expect(r.event_id).toBe(eventId);
    expect(r.consumer_id).toBe('test_consumer');
    expect(r.rate_limit_tier).toBe('standard');
    expect(r.tokens_remaining).toBe(0);
    expect(r.tokens_limit).toBe(1000);
    expect(r.exceeded).toBe(true);
    expectTimestamp(r.timestamp, timestamp, 'timestamp');
  }),

  // ----------------------------------------------------------------------------------- L10 records
  method('record_user_interaction', 1424, true, async (_ctx, client) => {
    const interactionId = `ui-${uuid4()}`;
    const timestamp = pyUtcNow();
    const r = await client.json(
      sharedReq.recordUserInteraction({ interaction_id: interactionId, timestamp, interaction_type: 'api_call', action: 'list_agents', user_id: 'test_user', target_type: 'agent', parameters: { status: 'active', limit: 100 }, result: 'success', client_ip: '127.0.0.1', user_agent: 'test-browser', session_id: 'test_session', metadata: { page: 'dashboard' } }),
    );
    expectObject(r, 'record_user_interaction answer');
    pyUuid(r.id, 'user interaction id');
    expect(r.interaction_id).toBe(interactionId);
    expect(r.interaction_type).toBe('api_call');
    expect(r.action).toBe('list_agents');
    expectTimestamp(r.timestamp, timestamp, 'timestamp');
  }),
  method('record_control_operation', 1476, true, async (ctx, client) => {
    const operationId = `ctrl-${uuid4()}`;
    const timestamp = pyUtcNow();
    const r = await client.json(
      sharedReq.recordControlOperation({ operation_id: operationId, timestamp, user_id: 'admin_user', operation_type: 'agent_control', command: 'pause', target_agent_id: await ctx.agent(), target_agent_did: await ctx.agentDid(), parameters: { mode: 'manual' }, status: 'pending', metadata: { ticket: 'OPS-42' } }),
    );
    expectObject(r, 'record_control_operation answer');
    pyUuid(r.id, 'control operation id');
    expect(r.operation_id).toBe(operationId);
    ctx.remember('shared.control', operationId);
    expect(r.operation_type).toBe('agent_control');
    expect(r.command).toBe('pause');
    expect(r.status).toBe('pending');
    expectTimestamp(r.timestamp, timestamp, 'timestamp');
  }),
  method('update_control_operation', 1526, true, async (ctx, client) => {
    const operationId = ctx.recall<string>('shared.control');
    const executedAt = pyUtcNow(-250);
    const completedAt = pyUtcNow();
    const result = { agent_status: 'paused', shutdown_time_ms: 250 };
    const r = await client.json(sharedReq.updateControlOperation(operationId, { status: 'completed', result, executed_at: executedAt, completed_at: completedAt }));
    expectObject(r, 'update_control_operation answer');
    expect(r.operation_id).toBe(operationId);
    expect(r.status).toBe('completed');
    expect(r.result).toEqual(result);
    expectTimestamp(r.executed_at, executedAt, 'executed_at');
    expectTimestamp(r.completed_at, completedAt, 'completed_at');
    expect(r.command, 'fields not sent stay').toBe('pause');
  }),

  // ----------------------------------------------------------------------------------- L11 records
  method('record_saga_execution', 1558, true, async (ctx, client) => {
    const sagaId = uuid4();
    const startedAt = pyUtcNow();
    const r = await client.json(
      sharedReq.recordSagaExecution({ saga_id: sagaId, saga_name: 'order_processing', started_at: startedAt, steps_total: 3, status: 'running', context: { order_id: '12345', customer_id: 'cust_123' }, metadata: { priority: 'high' } }),
    );
    expectObject(r, 'record_saga_execution answer');
    pyUuid(r.id, 'saga execution id');
    expect(r.saga_id).toBe(sagaId);
    ctx.remember('shared.saga', sagaId);
    expect(r.saga_name).toBe('order_processing');
    expect(r.status).toBe('running');
    expect(r.steps_total).toBe(3);
    expectTimestamp(r.started_at, startedAt, 'started_at');
  }),
  method('update_saga_execution', 1603, true, async (ctx, client) => {
    const sagaId = ctx.recall<string>('shared.saga');
    const r = await client.json(sharedReq.updateSagaExecution(sagaId, { status: 'compensating', steps_completed: 2, steps_failed: 1, current_step: 'charge_payment', compensation_mode: true, error_message: 'Payment gateway timeout' }));
    expectObject(r, 'update_saga_execution answer');
    expect(r.saga_id).toBe(sagaId);
    expect(r.status).toBe('compensating');
    expect(r.steps_completed).toBe(2);
    expect(r.steps_failed).toBe(1);
    expect(r.current_step).toBe('charge_payment');
    expect(r.compensation_mode).toBe(true);
    expect(r.error_message).toBe('Payment gateway timeout');
    expect(r.context).toEqual({ order_id: '12345', customer_id: 'cust_123' });
  }),
  method('record_saga_step', 1637, true, async (ctx, client) => {
    const sagaId = ctx.recall<string>('shared.saga');
    const stepId = `${sagaId}-step-1`;
    const r = await client.json(
      sharedReq.recordSagaStep({ step_id: stepId, saga_id: sagaId, step_name: 'charge_payment', step_index: 1, service_id: 'payment-service', status: 'executing', request: { amount: 99.99, currency: 'USD' }, metadata: { attempt: 1 } }),
    );
    expectObject(r, 'record_saga_step answer');
    pyUuid(r.id, 'saga step id');
    expect(r.step_id).toBe(stepId);
    ctx.remember('shared.step', stepId);
    expect(r.saga_id).toBe(sagaId);
    expect(r.step_name).toBe('charge_payment');
    expect(r.step_index).toBe(1);
    expect(r.status, '"executing" is stored as sent').toBe('executing');
  }),
  method('update_saga_step', 1688, true, async (ctx, client) => {
    const stepId = ctx.recall<string>('shared.step');
    const completedAt = pyUtcNow();
    const response = { transaction_id: 'txn_123', status: 'declined' };
    const compensation = { rollback: 'success' };
    const r = await client.json(sharedReq.updateSagaStep(stepId, { status: 'compensated', completed_at: completedAt, response, error_message: 'Card declined', compensation_executed: true, compensation_result: compensation, retry_count: 1 }));
    expectObject(r, 'update_saga_step answer');
    expect(r.step_id).toBe(stepId);
    expect(r.status).toBe('compensated');
    expectTimestamp(r.completed_at, completedAt, 'completed_at');
    expect(r.response).toEqual(response);
    expect(r.error_message).toBe('Card declined');
    expect(r.compensation_executed).toBe(true);
    expect(r.compensation_result).toEqual(compensation);
    expect(r.retry_count).toBe(1);
    expect(r.request, 'fields not sent stay').toEqual({ amount: 99.99, currency: 'USD' });
  }),
  method('record_circuit_breaker_event', 1725, true, async (_ctx, client) => {
    const eventId = `cb-${uuid4()}`;
    const timestamp = pyUtcNow();
    const r = await client.json(
      sharedReq.recordCircuitBreakerEvent({ event_id: eventId, timestamp, service_id: 'payment-service', circuit_name: 'payment_gateway_circuit', event_type: 'state_change', state_to: 'open', state_from: 'closed', failure_count: 5, failure_threshold: 5, timeout_seconds: 60, error_message: 'Too many connection failures', metadata: { window_sec: 30 } }),
    );
    expectObject(r, 'record_circuit_breaker_event answer');
    pyUuid(r.id, 'circuit breaker event id');
    expect(r.event_id).toBe(eventId);
    expect(r.service_id).toBe('payment-service');
    expect(r.circuit_name).toBe('payment_gateway_circuit');
    expect(r.event_type).toBe('state_change');
    expect(r.state_to).toBe('open');
    expectTimestamp(r.timestamp, timestamp, 'timestamp');
  }),
  method('record_service_registry_event', 1772, true, async (_ctx, client) => {
    // A deregistration (L11 service_registry.py:110): health_status "offline".
    const eventId = `sr-${uuid4()}`;
    const timestamp = pyUtcNow();
    const serviceId = `svc-${uuid4()}`;
    const r = await client.json(sharedReq.recordServiceRegistryEvent({ event_id: eventId, timestamp, service_id: serviceId, event_type: 'deregistered', layer: 'L03', health_status: 'offline' }));
    expectObject(r, 'record_service_registry_event answer');
    pyUuid(r.id, 'service registry event id');
    expect(r.event_id).toBe(eventId);
    expect(r.service_id).toBe(serviceId);
    expect(r.event_type).toBe('deregistered');
    expectTimestamp(r.timestamp, timestamp, 'timestamp');
  }),
];
