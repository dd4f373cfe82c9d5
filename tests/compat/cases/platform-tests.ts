/**
 * Section 5.3: the platform's own tests that talk to L01, replayed with their values and their
 * assertions. The e2e suites send no key (the measurement's bearer token is added); the
 * integration suite sends `X-API-Key` (`platform/tests/integration/conftest.py:29-36`).
 */
import { expect } from 'vitest';
import type { CallerCase, CaseContext, SendRequest } from '../support/harness.js';
import { session } from '../support/prereqs.js';
import { callJson, expectArray, expectNo5xx, expectObject, parseIfString, pyFloat, pyUtcNow, pyUuid, uuid4, uuidHex, type Json } from '../support/python.js';
import { sharedReq, type ToolExecutionUpdate } from '../support/shared-client.js';

const INTEGRATION = 'platform/tests/integration';
const E2E = 'platform/tests/e2e';
/** conftest.py DEFAULT_HEADERS besides the key: Content-Type on every request. */
const CONFTEST_HEADERS = { 'content-type': 'application/json' };

// ---------------------------------------------------------------------------------------------
// L03 bridge, as the L03 e2e test drives it
// ---------------------------------------------------------------------------------------------

interface L03Request {
  tool_id: string;
  parameters: Json;
  tool_version?: string;
  agent_context?: { agent_did?: string; tenant_id?: string; session_id?: string; parent_sandbox_id?: string };
  resource_limits?: { cpu_millicore_limit?: number; memory_mb_limit?: number; timeout_seconds?: number };
  execution_options?: { async_mode?: boolean; priority?: number; idempotency_key?: string; require_approval?: boolean };
}

/** L03Bridge.record_invocation_start (services/l01_bridge.py:66-120). */
async function l03Start(ctx: CaseContext, invocation: string, r: L03Request): Promise<void> {
  await callJson(
    ctx.send,
    sharedReq.recordToolExecution({
      invocation_id: invocation,
      tool_name: r.tool_id,
      input_params: r.parameters,
      tool_version: r.tool_version ?? null,
      agent_did: r.agent_context?.agent_did ?? null,
      tenant_id: r.agent_context?.tenant_id ?? null,
      session_id: r.agent_context?.session_id ?? null,
      parent_sandbox_id: r.agent_context?.parent_sandbox_id ?? null,
      status: 'pending',
      async_mode: r.execution_options?.async_mode ?? false,
      priority: r.execution_options?.priority ?? 5,
      idempotency_key: r.execution_options?.idempotency_key ?? null,
      require_approval: r.execution_options?.require_approval ?? false,
      cpu_millicore_limit: r.resource_limits?.cpu_millicore_limit ?? null,
      memory_mb_limit: r.resource_limits?.memory_mb_limit ?? null,
      timeout_seconds: r.resource_limits?.timeout_seconds ?? null,
    }),
  );
}

/** L03Bridge.record_invocation_result (services/l01_bridge.py:176-232): `**updates`, None skipped by the client. */
async function l03Result(ctx: CaseContext, invocation: string, updates: ToolExecutionUpdate): Promise<void> {
  await callJson(ctx.send, sharedReq.updateToolExecution(invocation, updates));
}

const l03History = (ctx: CaseContext, invocation: string) => callJson(ctx.send, sharedReq.getToolExecutionByInvocation(invocation)).then((x) => {
  expectObject(x, 'get_execution_history');
  return x;
});

// ---------------------------------------------------------------------------------------------
// L05 bridge, as the L05 e2e test drives it
// ---------------------------------------------------------------------------------------------

/** L05Bridge.record_goal: constraints with only truthy keys (require_approval when not None), omitted when empty. */
async function l05Goal(ctx: CaseContext, g: { goal_id: string; agent_did: string; goal_text: string; goal_type: string; status: string; constraints?: Json; metadata?: Json; parent_goal_id?: string; decomposition_strategy?: string }): Promise<void> {
  // GoalConstraints() defaults: max_parallelism 10, priority 5, require_approval False.
  const c: Json = { max_parallelism: 10, priority: 5, require_approval: false, ...(g.constraints ?? {}) };
  const constraints: Json = {};
  for (const k of ['max_token_budget', 'max_execution_time_sec', 'max_parallelism', 'deadline_unix_ms', 'priority', 'allowed_agent_types', 'forbidden_tools', 'cost_limit_usd']) {
    const v = c[k];
    if (v !== undefined && v !== null && v !== 0 && !(Array.isArray(v) && v.length === 0)) constraints[k] = v;
  }
  if (c.require_approval !== undefined && c.require_approval !== null) constraints.require_approval = c.require_approval;
  await callJson(
    ctx.send,
    sharedReq.recordGoal({ goal_id: g.goal_id, agent_did: g.agent_did, goal_text: g.goal_text, goal_type: g.goal_type, status: g.status, constraints, metadata: g.metadata ?? {}, parent_goal_id: g.parent_goal_id ?? null, decomposition_strategy: g.decomposition_strategy ?? null }),
  );
}

function l05Task(taskId: string, name: string, description: string, taskType: string, extra: Json = {}): Json {
  return {
    task_id: taskId,
    name,
    description,
    task_type: taskType,
    status: 'pending',
    dependencies: [],
    inputs: {},
    outputs: {},
    assigned_agent: null,
    timeout_seconds: 300,
    retry_count: 0,
    tool_name: null,
    llm_prompt: null,
    metadata: {},
    retry_policy: { max_retries: 3, backoff_multiplier: 2.0, max_delay_sec: 60.0 },
    ...extra,
  };
}

/** The test's own verification: `httpx.AsyncClient().get(...)`, `raise_for_status()`, `.json()`. */
const httpxGet = (ctx: CaseContext, path: string, query?: SendRequest['query']) => callJson(ctx.send, { method: 'GET', path, ...(query ? { query } : {}) });

// ---------------------------------------------------------------------------------------------

export const platformTestCases: CallerCase[] = [
  {
    id: 'tests.integration_health',
    source: `${INTEGRATION}/test_health.py:19`,
    section: '5.3',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      const live = await ctx.send({ method: 'GET', path: '/health/live', headers: CONFTEST_HEADERS });
      expect(live.status, 'GET /health/live').toBe(200);
      const ready = await ctx.send({ method: 'GET', path: '/health/ready', headers: CONFTEST_HEADERS });
      expect(ready.status, 'GET /health/ready').toBe(200);
      const data = ready.json();
      expectObject(data, '/health/ready body');
      expect(['healthy', 'ok', 'ready', true], 'data.get("status")').toContain(data.status);
    },
  },
  {
    id: 'tests.integration_conftest.wait_for_services',
    source: `${INTEGRATION}/conftest.py:59`,
    section: '5.3',
    auth: 'x-api-key',
    originalWorked: true,
    async run(ctx) {
      // The wait loop polls GET /health until a 200 (with the key, as the original required).
      const res = await ctx.send({ method: 'GET', path: '/health', headers: CONFTEST_HEADERS });
      expect(res.status, 'GET /health').toBe(200);
    },
  },
  {
    id: 'tests.integration_conftest.api_v1_agents',
    source: `${INTEGRATION}/conftest.py:86`,
    section: '5.3',
    auth: 'x-api-key',
    // C24: L09's paths (/api/v1/agents) on L01; the fixture is defined, never used. Nothing to
    // observe but that the server answers cleanly.
    originalWorked: false,
    async run(ctx) {
      const list: SendRequest = { method: 'GET', path: '/api/v1/agents', headers: CONFTEST_HEADERS };
      expectNo5xx(await ctx.send(list), list);
      const create: SendRequest = { method: 'POST', path: '/api/v1/agents', headers: CONFTEST_HEADERS, body: { name: `fixture-agent-${ctx.suffix}`, agent_type: 'general' } };
      expectNo5xx(await ctx.send(create), create);
    },
  },
  {
    id: 'tests.integration_l02',
    source: `${INTEGRATION}/test_l02_l01_integration.py:35`,
    section: '5.3',
    auth: 'none',
    // C13: the test's agent ids are not UUIDs, so the L02 bridge never reaches L01 and the test
    // fails on "No L01 session found". Replayed here with a session L02 would have created for an
    // agent L01 knows, to check what the test asserts about it.
    originalWorked: false,
    async run(ctx) {
      const l02Session = `sess-${uuid4()}`;
      const id = await session(ctx, { l02_session_id: l02Session, l02_agent_state: 'running', sandbox_type: 'docker', container_id: `c-${uuid4().slice(0, 12)}`, pod_name: null, spawned_at: pyUtcNow() });
      // sessions = await l01_client.list_sessions(limit=100); filter on runtime_metadata.l02_session_id
      const sessions = await callJson(ctx.send, sharedReq.listSessions({ limit: 100 }));
      expectArray(sessions, 'list_sessions(limit=100)');
      for (const [i, s] of sessions.entries()) {
        expectObject(s, `session ${i}`);
        // s.get("runtime_metadata", {}).get(...) needs a dict (or a missing key).
        if ('runtime_metadata' in s) expectObject(s.runtime_metadata, `session ${i}: runtime_metadata`);
      }
      const found = sessions.filter((s) => ((s as Json).runtime_metadata as Json | undefined)?.l02_session_id === l02Session) as Json[];
      expect(found.length, `No L01 session found for L02 session ${l02Session}`).toBeGreaterThan(0);
      const s = found[0] as Json;
      expect(s.id).toBe(id);
      expect(s.session_type).toBe('runtime');
      expect(s.status).toBe('active');
      expect(['local', 'kubernetes']).toContain(s.runtime_backend);
      const rm = s.runtime_metadata as Json;
      expect(rm.l02_session_id).toBe(l02Session);
      expect(rm.l02_agent_state).toBe('running');
      expect(rm.container_id).not.toBeNull();
      // Lifecycle: suspend → paused/suspended, resume → active/running, terminate → completed|crashed.
      const get = async () => {
        const x = await callJson(ctx.send, sharedReq.getSession(pyUuid(s.id, 'UUID(session["id"])')));
        expectObject(x, 'get_session');
        return x;
      };
      await callJson(ctx.send, sharedReq.updateSession(id, { status: 'paused', runtime_metadata: { l02_agent_state: 'suspended', state_changed_at: pyUtcNow(), previous_state: 'running' } }));
      let x = await get();
      expect(x.status).toBe('paused');
      expect((x.runtime_metadata as Json).l02_agent_state).toBe('suspended');
      await callJson(ctx.send, sharedReq.updateSession(id, { status: 'active', runtime_metadata: { l02_agent_state: 'running', state_changed_at: pyUtcNow(), previous_state: 'suspended' } }));
      x = await get();
      expect(x.status).toBe('active');
      expect((x.runtime_metadata as Json).l02_agent_state).toBe('running');
      await callJson(ctx.send, sharedReq.updateSession(id, { status: 'crashed', runtime_metadata: { l02_agent_state: 'terminated', termination_reason: 'test_complete', terminated_at: pyUtcNow(), resource_usage: {} } }));
      x = await get();
      expect(['completed', 'crashed']).toContain(x.status);
    },
  },
  {
    id: 'tests.e2e_l03',
    source: `${E2E}/test_l03_l01_bridge.py:21`,
    section: '5.3',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // test_record_tool_invocation_start
      const inv1 = uuid4();
      await l03Start(ctx, inv1, {
        tool_id: 'test_calculation_tool',
        tool_version: '1.0.0',
        agent_context: { agent_did: 'did:test:agent_calculator', tenant_id: 'tenant_math', session_id: 'session_calc_001', parent_sandbox_id: 'sandbox_calc' },
        parameters: { operation: 'add', a: 5, b: 3 },
        resource_limits: { cpu_millicore_limit: 500, memory_mb_limit: 512, timeout_seconds: 30 },
        execution_options: { async_mode: false, priority: 7, idempotency_key: `calc-key-${uuid4().slice(0, 8)}` },
      });
      let x = await l03History(ctx, inv1);
      expect(x.invocation_id).toBe(inv1);
      expect(x.tool_name).toBe('test_calculation_tool');
      expect(x.status).toBe('pending');
      expect(x.agent_did).toBe('did:test:agent_calculator');
      expect(x.priority).toBe(7);

      // test_update_invocation_status
      const inv2 = uuid4();
      await l03Start(ctx, inv2, { tool_id: 'status_test_tool', parameters: { test: 'status_update' } });
      await l03Result(ctx, inv2, { status: 'running' });
      expect((await l03History(ctx, inv2)).status).toBe('running');

      // test_record_successful_execution
      const inv3 = uuid4();
      const startedAt = pyUtcNow();
      await l03Start(ctx, inv3, { tool_id: 'success_tool', parameters: { input: 'test_data' } });
      await l03Result(ctx, inv3, { status: 'running' });
      await l03Result(ctx, inv3, {
        status: 'success',
        completed_at: pyUtcNow(),
        output_result: { result: { output: 'processed_data', count: 42, items: [1, 2, 3] }, result_type: 'object' },
        duration_ms: 1250,
        cpu_used_millicore_seconds: 1000,
        memory_peak_mb: 128,
        network_bytes_sent: 1024,
        network_bytes_received: 2048,
        documents_accessed: ['doc_spec_001', 'doc_ref_002'],
        checkpoints_created: ['checkpoint_final'],
        checkpoint_ref: 'final_checkpoint_abc123',
        started_at: startedAt,
      });
      x = await l03History(ctx, inv3);
      expect(x.status).toBe('success');
      expect(((x.output_result as Json).result as Json).output).toBe('processed_data');
      expect(((x.output_result as Json).result as Json).count).toBe(42);
      expect(x.duration_ms).toBe(1250);
      expect(x.cpu_used_millicore_seconds).toBe(1000);
      expect(x.memory_peak_mb).toBe(128);
      expect(x.documents_accessed).toContain('doc_spec_001');
      expect(x.documents_accessed).toContain('doc_ref_002');
      expect(x.checkpoints_created).toContain('checkpoint_final');
      expect(x.checkpoint_ref).toBe('final_checkpoint_abc123');

      // test_record_failed_execution
      const inv4 = uuid4();
      await l03Start(ctx, inv4, { tool_id: 'failing_validation_tool', parameters: { input: 'invalid_data' } });
      await l03Result(ctx, inv4, {
        status: 'error',
        completed_at: pyUtcNow(),
        error_code: 'E3001',
        error_message: 'Validation failed: input format incorrect',
        error_details: { field: 'input', reason: 'format_error', expected: 'json_object', received: 'string' },
        retryable: true,
        duration_ms: 500,
        cpu_used_millicore_seconds: 200,
        memory_peak_mb: 64,
      });
      x = await l03History(ctx, inv4);
      expect(x.status).toBe('error');
      expect(x.error_code).toBe('E3001');
      expect(x.error_message).toContain('Validation failed');
      expect((x.error_details as Json).field).toBe('input');
      expect(x.retryable).toBe(true);
      expect(x.duration_ms).toBe(500);

      // test_full_execution_lifecycle
      const inv5 = uuid4();
      const lifecycleStart = pyUtcNow();
      await l03Start(ctx, inv5, { tool_id: 'lifecycle_integration_tool', tool_version: '2.1.0', agent_context: { agent_did: 'did:test:lifecycle_agent', tenant_id: 'tenant_lifecycle_test', session_id: 'session_lifecycle_001' }, parameters: { test: 'full_lifecycle', iterations: 5 }, execution_options: { priority: 8 } });
      expect((await l03History(ctx, inv5)).status).toBe('pending');
      await l03Result(ctx, inv5, { status: 'running' });
      expect((await l03History(ctx, inv5)).status).toBe('running');
      await l03Result(ctx, inv5, { status: 'success', completed_at: pyUtcNow(), output_result: { result: { final_output: 'lifecycle_complete', iterations_completed: 5 }, result_type: 'object' }, duration_ms: 2000, cpu_used_millicore_seconds: 1500, memory_peak_mb: 256, started_at: lifecycleStart });
      x = await l03History(ctx, inv5);
      expect(x.status).toBe('success');
      expect(((x.output_result as Json).result as Json).final_output).toBe('lifecycle_complete');
      expect(x.duration_ms).toBe(2000);
      expect(x.started_at).not.toBeNull();
      expect(x.completed_at).not.toBeNull();
      expect(x.tool_version).toBe('2.1.0');
    },
  },
  {
    id: 'tests.e2e_l04',
    source: `${E2E}/test_l04_l01_bridge.py:13`,
    section: '5.3',
    auth: 'none',
    // C2: `from src.L04_model_gateway.services.l01_bridge import L04Bridge` — the class is
    // L01Bridge (and takes base_url=): ImportError, nothing runs. Its verification request is
    // replayed: GET /models/usage?limit=1 and the fields it reads from the first row.
    originalWorked: false,
    async run(ctx) {
      const rows = await httpxGet(ctx, '/models/usage', { limit: 1 });
      expectArray(rows, 'GET /models/usage?limit=1');
      expect(rows.length).toBeLessThanOrEqual(1);
      for (const r of rows) {
        expectObject(r, 'usage row');
        for (const k of ['request_id', 'model_id', 'model_provider', 'input_tokens', 'output_tokens', 'total_tokens', 'latency_ms', 'cached', 'finish_reason', 'response_status']) {
          expect(k in r, `record["${k}"]`).toBe(true);
        }
        expect(typeof r.cached, 'record["cached"] is a bool').toBe('boolean');
      }
    },
  },
  {
    id: 'tests.e2e_l05',
    source: `${E2E}/test_l05_l01_bridge.py:84`,
    section: '5.3',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // test_record_simple_goal
      const g1 = `goal-${uuid4()}`;
      await l05Goal(ctx, { goal_id: g1, agent_did: 'did:example:test-agent-123', goal_text: 'Complete the user registration workflow', goal_type: 'simple', status: 'pending', constraints: { max_token_budget: 5000, max_execution_time_sec: 300, max_parallelism: 5, priority: 7, require_approval: false }, metadata: { context: 'e2e-test' } });
      let r = await httpxGet(ctx, `/goals/${g1}`);
      expectObject(r, 'goal');
      expect(r.goal_id).toBe(g1);
      expect(r.agent_did).toBe('did:example:test-agent-123');
      expect(r.goal_text).toBe('Complete the user registration workflow');
      expect(r.goal_type).toBe('simple');
      expect(r.status).toBe('pending');
      expect(r.constraints_max_token_budget).toBe(5000);
      expect(r.constraints_max_execution_time_sec).toBe(300);
      expect(r.constraints_max_parallelism).toBe(5);
      expect(r.constraints_priority).toBe(7);
      expect(r.constraints_require_approval).toBe(false);

      // test_record_compound_goal_with_parent
      const parent = `parent-goal-${uuid4()}`;
      await l05Goal(ctx, { goal_id: parent, agent_did: 'did:example:test-agent-456', goal_text: 'Build complete e-commerce platform', goal_type: 'compound', status: 'decomposing', constraints: { max_token_budget: 50000, cost_limit_usd: 10.0 } });
      const child = `child-goal-${uuid4()}`;
      await l05Goal(ctx, { goal_id: child, agent_did: 'did:example:test-agent-456', goal_text: 'Implement payment processing', goal_type: 'simple', status: 'pending', parent_goal_id: parent, decomposition_strategy: 'sequential', constraints: { max_token_budget: 10000 } });
      r = await httpxGet(ctx, `/goals/${child}`);
      expectObject(r, 'child goal');
      expect(r.goal_id).toBe(child);
      expect(r.parent_goal_id).toBe(parent);
      expect(r.decomposition_strategy).toBe('sequential');

      // test_update_goal_status
      const g3 = `goal-status-${uuid4()}`;
      await l05Goal(ctx, { goal_id: g3, agent_did: 'did:example:test-agent-789', goal_text: 'Test goal status updates', goal_type: 'simple', status: 'pending' });
      await callJson(ctx.send, sharedReq.updateGoalStatus(g3, 'decomposing', 'hybrid'));
      r = await httpxGet(ctx, `/goals/${g3}`);
      expectObject(r, 'updated goal');
      expect(r.status).toBe('decomposing');
      expect(r.decomposition_strategy).toBe('hybrid');

      // test_record_execution_plan
      const g4 = `goal-plan-${uuid4()}`;
      await l05Goal(ctx, { goal_id: g4, agent_did: 'did:example:test-agent-999', goal_text: 'Create API endpoint', goal_type: 'compound', status: 'ready' });
      const planId = `plan-${uuid4()}`;
      const t1 = `task-${uuid4()}`;
      const t2 = `task-${uuid4()}`;
      await callJson(
        ctx.send,
        sharedReq.recordPlan({
          plan_id: planId,
          goal_id: g4,
          tasks: [
            l05Task(t1, 'Design API schema', 'Design the API endpoint schema', 'llm_call', { timeout_seconds: 120, metadata: { priority: 'high' } }),
            l05Task(t2, 'Implement endpoint', 'Write the API endpoint code', 'tool_call', { dependencies: [t1], tool_name: 'code_writer', timeout_seconds: 300 }),
          ],
          dependency_graph: { [t2]: [t1] },
          status: 'validated',
          resource_budget: { max_token_count: 8000, max_execution_time_sec: 600, max_parallel_tasks: 2, max_cpu_cores: null, max_memory_mb: null, max_disk_mb: null, max_network_mb: null, max_cost_usd: null },
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
      r = await httpxGet(ctx, `/plans/${planId}`);
      expectObject(r, 'plan');
      expect(r.plan_id).toBe(planId);
      expect(r.goal_id).toBe(g4);
      expect(r.status).toBe('validated');
      expect(r.decomposition_strategy).toBe('hybrid');
      expect(pyFloat(r.decomposition_latency_ms, 'decomposition_latency_ms')).toBe(245.5);
      expect(r.cache_hit).toBe(false);
      expect(r.llm_provider).toBe('ollama');
      expect(r.llm_model).toBe('qwen2.5:latest');
      expect(r.total_tokens_used).toBe(1234);
      expect(pyFloat(r.validation_time_ms, 'validation_time_ms')).toBe(89.3);
      expect(r.tags).toContain('api');
      expect(r.tags).toContain('backend');
      const tasks = parseIfString(r.tasks, 'tasks') as Json[];
      expect(tasks).toHaveLength(2);
      expect(tasks[0]?.task_id).toBe(t1);
      expect(tasks[0]?.name).toBe('Design API schema');
      expect(tasks[0]?.task_type).toBe('llm_call');
      expect(tasks[1]?.task_id).toBe(t2);
      expect(tasks[1]?.name).toBe('Implement endpoint');
      expect(tasks[1]?.task_type).toBe('tool_call');
      expect(tasks[1]?.tool_name).toBe('code_writer');
      expect(tasks[1]?.dependencies).toContain(t1);
      const graph = parseIfString(r.dependency_graph, 'dependency_graph') as Json;
      expect(t2 in graph).toBe(true);
      expect(graph[t2]).toContain(t1);

      // test_update_plan_execution_lifecycle
      const g5 = `goal-lifecycle-${uuid4()}`;
      await l05Goal(ctx, { goal_id: g5, agent_did: 'did:example:lifecycle-agent', goal_text: 'Test plan execution lifecycle', goal_type: 'simple', status: 'ready' });
      const p5 = `plan-lifecycle-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordPlan({ plan_id: p5, goal_id: g5, tasks: [l05Task(`task-${uuid4()}`, 'Execute test', 'Run test execution', 'atomic')], dependency_graph: {}, status: 'validated', decomposition_strategy: 'simple', cache_hit: false, total_tokens_used: 0, metadata: {} }));
      const start = Date.now();
      await callJson(ctx.send, sharedReq.updatePlanStatus(p5, { status: 'executing', execution_started_at: pyUtcNow() }));
      r = await httpxGet(ctx, `/plans/${p5}`);
      expectObject(r, 'executing plan');
      expect(r.status).toBe('executing');
      expect(r.execution_started_at).not.toBeNull();
      await callJson(ctx.send, sharedReq.updatePlanStatus(p5, { status: 'completed', execution_completed_at: pyUtcNow(), execution_time_ms: Math.max(Date.now() - start, 1) + 0.125, parallelism_achieved: 1, completed_task_count: 1, failed_task_count: 0 }));
      r = await httpxGet(ctx, `/plans/${p5}`);
      expectObject(r, 'completed plan');
      expect(r.status).toBe('completed');
      expect(r.execution_completed_at).not.toBeNull();
      expect(pyFloat(r.execution_time_ms, 'execution_time_ms')).toBeGreaterThan(0);
      expect(r.parallelism_achieved).toBe(1);
      expect(r.completed_task_count).toBe(1);
      expect(r.failed_task_count).toBe(0);

      // test_update_plan_with_error
      const g6 = `goal-error-${uuid4()}`;
      await l05Goal(ctx, { goal_id: g6, agent_did: 'did:example:error-agent', goal_text: 'Test error handling', goal_type: 'simple', status: 'ready' });
      const p6 = `plan-error-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordPlan({ plan_id: p6, goal_id: g6, tasks: [l05Task(`task-${uuid4()}`, 'Failing task', 'This task will fail', 'atomic')], dependency_graph: {}, status: 'validated', decomposition_strategy: 'simple', metadata: {} }));
      await callJson(ctx.send, sharedReq.updatePlanStatus(p6, { status: 'failed', error: 'Simulated execution failure: resource timeout', failed_task_count: 1 }));
      r = await httpxGet(ctx, `/plans/${p6}`);
      expectObject(r, 'failed plan');
      expect(r.status).toBe('failed');
      expect(r.error).toBe('Simulated execution failure: resource timeout');
      expect(r.failed_task_count).toBe(1);

      // test_get_plan_from_l01
      const g7 = `goal-retrieve-${uuid4()}`;
      await l05Goal(ctx, { goal_id: g7, agent_did: 'did:example:retrieve-agent', goal_text: 'Test plan retrieval', goal_type: 'simple', status: 'ready' });
      const p7 = `plan-retrieve-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordPlan({ plan_id: p7, goal_id: g7, tasks: [l05Task(`task-${uuid4()}`, 'Test task', 'Task for retrieval test', 'atomic')], dependency_graph: {}, status: 'draft', decomposition_strategy: 'simple', metadata: {} }));
      const got = await callJson(ctx.send, sharedReq.getPlan(p7));
      expectObject(got, 'bridge.get_plan');
      expect(got.plan_id).toBe(p7);
      expect(got.goal_id).toBe(g7);
      expect(got.status).toBe('draft');
    },
  },
  {
    id: 'tests.e2e_l06',
    source: `${E2E}/test_l06_l01_bridge.py:112`,
    section: '5.3',
    auth: 'none',
    // The test asserts `record["assessment"] == "good"` (:120) after L06 wrote Assessment.GOOD,
    // whose value is "Good" (models/quality_score.py:12), stored and read back as sent: the test
    // fails on itself. Replayed with the value read back equal to the value written.
    originalWorked: false,
    async run(ctx) {
      // test_record_quality_score
      const scoreId = `score-${uuid4()}`;
      const dims = { accuracy: { score: 0.95, weight: 0.3 }, latency: { score: 0.88, weight: 0.2 }, cost: { score: 0.92, weight: 0.15 } };
      const overall = (0.95 * 0.3 + 0.88 * 0.2 + 0.92 * 0.15) / (0.3 + 0.2 + 0.15);
      await callJson(
        ctx.send,
        sharedReq.recordQualityScore({
          score_id: scoreId,
          agent_did: 'agent-123',
          tenant_id: 'tenant-456',
          timestamp: pyUtcNow(),
          overall_score: overall,
          assessment: 'Good',
          dimensions: {
            accuracy: { dimension: 'accuracy', score: 0.95, weight: 0.3, raw_metrics: { correct: 95, total: 100 } },
            latency: { dimension: 'latency', score: 0.88, weight: 0.2, raw_metrics: { avg_ms: 120, p95_ms: 200 } },
            cost: { dimension: 'cost', score: 0.92, weight: 0.15, raw_metrics: { total_cost: 0.05 } },
          },
          data_completeness: 1.0,
          cached: false,
          metadata: {},
        }),
      );
      let r = await httpxGet(ctx, `/quality-scores/${scoreId}`);
      expectObject(r, 'quality score');
      expect(r.score_id).toBe(scoreId);
      expect(r.agent_did).toBe('agent-123');
      expect(r.tenant_id).toBe('tenant-456');
      expect(Math.abs(pyFloat(r.overall_score, 'overall_score') - overall)).toBeLessThanOrEqual(0.0001);
      expect(r.assessment, 'the value written ("Good"); the test itself expects "good"').toBe('Good');
      expect(pyFloat(r.data_completeness, 'data_completeness')).toBe(1.0);
      expect(r.cached).toBe(false);
      const dimensions = parseIfString(r.dimensions, 'dimensions') as Record<string, Json>;
      expect('accuracy' in dimensions).toBe(true);
      expect(pyFloat(dimensions.accuracy?.score, 'accuracy.score')).toBe(dims.accuracy.score);
      expect(pyFloat(dimensions.accuracy?.weight, 'accuracy.weight')).toBe(dims.accuracy.weight);

      // test_record_metric
      await callJson(ctx.send, sharedReq.recordMetric({ metric_name: 'llm.tokens.total', value: 1234.0, timestamp: pyUtcNow(), metric_type: 'counter', labels: { agent_id: 'agent-789', model: 'gpt-4', task_type: 'code_generation' }, tenant_id: null }));
      const records = await httpxGet(ctx, '/metrics/', { metric_name: 'llm.tokens.total', limit: 10 });
      expectArray(records, 'GET /metrics/?metric_name=llm.tokens.total&limit=10');
      expect(records.length).toBeGreaterThan(0);
      const matching = records.filter((x) => pyFloat((x as Json).value, 'value') === 1234.0) as Json[];
      expect(matching.length).toBeGreaterThan(0);
      const m = matching[0] as Json;
      expect(m.metric_name).toBe('llm.tokens.total');
      expect(m.metric_type).toBe('counter');
      const labels = parseIfString(m.labels, 'labels') as Json;
      expect(labels.agent_id).toBe('agent-789');
      expect(labels.model).toBe('gpt-4');
      expect(labels.task_type).toBe('code_generation');

      // test_record_anomaly
      const anomalyId = `anom-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordAnomaly({ anomaly_id: anomalyId, metric_name: 'response_time_ms', severity: 'warning', baseline_value: 120.0, current_value: 350.0, z_score: 3.5, detected_at: pyUtcNow(), agent_did: 'agent-alert-123', tenant_id: 'tenant-alert-456', deviation_percent: ((350 - 120) / 120) * 100, confidence: 0.95, status: 'alerting', alert_sent: false }));
      r = await httpxGet(ctx, `/anomalies/${anomalyId}`);
      expectObject(r, 'anomaly');
      expect(r.anomaly_id).toBe(anomalyId);
      expect(r.metric_name).toBe('response_time_ms');
      expect(r.severity).toBe('warning');
      expect(pyFloat(r.baseline_value, 'baseline_value')).toBe(120.0);
      expect(pyFloat(r.current_value, 'current_value')).toBe(350.0);
      expect(pyFloat(r.z_score, 'z_score')).toBe(3.5);
      expect(r.status).toBe('alerting');
      expect(r.alert_sent).toBe(false);
      expect(pyFloat(r.confidence, 'confidence')).toBe(0.95);

      // test_update_anomaly_status
      const resolveId = `anom-resolve-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordAnomaly({ anomaly_id: resolveId, metric_name: 'error_rate', severity: 'critical', baseline_value: 0.01, current_value: 0.15, z_score: 5.2, detected_at: pyUtcNow(), deviation_percent: ((0.15 - 0.01) / 0.01) * 100, status: 'alerting' }));
      await callJson(ctx.send, sharedReq.updateAnomalyStatus(resolveId, 'resolved', pyUtcNow(), true));
      r = await httpxGet(ctx, `/anomalies/${resolveId}`);
      expectObject(r, 'resolved anomaly');
      expect(r.status).toBe('resolved');
      expect(r.resolved_at).not.toBeNull();
      expect(r.alert_sent).toBe(true);

      // test_record_compliance_result
      const constraint = { constraint_id: `const-${uuid4()}`, constraint_type: 'budget', name: 'Token Budget', limit: 5000, unit: 'tokens', description: 'Maximum tokens per execution' };
      const resultId = `comp-${uuid4()}`;
      const now = pyUtcNow();
      await callJson(
        ctx.send,
        sharedReq.recordComplianceResult({
          result_id: resultId,
          execution_id: 'exec-compliance-999',
          agent_did: 'agent-compliance-123',
          tenant_id: 'tenant-compliance-789',
          timestamp: now,
          compliant: false,
          violations: [{ violation_id: `viol-${uuid4()}`, constraint, timestamp: `${now}Z`, actual: 7500, agent_id: 'agent-compliance-123', task_id: 'task-compliance-456', tenant_id: 'tenant-compliance-789', severity: 'warning', violation_duration_seconds: 0.0, remediation_suggested: 'Reduce prompt size or use smaller model' }],
          constraints_checked: [constraint],
        }),
      );
      r = await httpxGet(ctx, `/compliance-results/${resultId}`);
      expectObject(r, 'compliance result');
      expect(r.result_id).toBe(resultId);
      expect(r.execution_id).toBe('exec-compliance-999');
      expect(r.agent_did).toBe('agent-compliance-123');
      expect(r.tenant_id).toBe('tenant-compliance-789');
      expect(r.compliant).toBe(false);
      const violations = parseIfString(r.violations, 'violations') as Json[];
      expect(violations).toHaveLength(1);
      expect(violations[0]?.actual).toBe(7500);
      expect(violations[0]?.severity).toBe('warning');
      const checked = parseIfString(r.constraints_checked, 'constraints_checked') as Json[];
      expect(checked).toHaveLength(1);
      expect(checked[0]?.name).toBe('Token Budget');
      expect(checked[0]?.limit).toBe(5000);

      // test_record_alert
      const alertId = `alert-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordAlert({ alert_id: alertId, timestamp: pyUtcNow(), severity: 'warning', alert_type: 'anomaly', metric: 'latency_p95', message: 'High latency detected: 95th percentile exceeds threshold', channels: ['slack', 'email'], agent_did: 'agent-alert-555', tenant_id: 'tenant-alert-666', metadata: { threshold: 500, actual: 850, z_score: 4.2 } }));
      r = await httpxGet(ctx, `/alerts/${alertId}`);
      expectObject(r, 'alert');
      expect(r.alert_id).toBe(alertId);
      expect(r.severity).toBe('warning');
      expect(r.type).toBe('anomaly');
      expect(r.metric).toBe('latency_p95');
      expect(r.message).toBe('High latency detected: 95th percentile exceeds threshold');
      expect(r.agent_did).toBe('agent-alert-555');
      expect(r.tenant_id).toBe('tenant-alert-666');
      expect(r.channels).toContain('slack');
      expect(r.channels).toContain('email');
      expect(r.delivered).toBe(false);
      expect(r.delivery_attempts).toBe(0);
      const metadata = parseIfString(r.metadata, 'metadata') as Json;
      expect(metadata.threshold).toBe(500);
      expect(metadata.actual).toBe(850);
      expect(metadata.z_score).toBe(4.2);

      // test_update_alert_delivery
      const deliveryId = `alert-delivery-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordAlert({ alert_id: deliveryId, timestamp: pyUtcNow(), severity: 'info', alert_type: 'test', metric: 'test_metric', message: 'Test alert for delivery tracking', channels: ['slack'], metadata: {} }));
      await callJson(ctx.send, sharedReq.updateAlertDelivery(deliveryId, 3, true, pyUtcNow()));
      r = await httpxGet(ctx, `/alerts/${deliveryId}`);
      expectObject(r, 'delivered alert');
      expect(r.delivery_attempts).toBe(3);
      expect(r.delivered).toBe(true);
    },
  },
  {
    id: 'tests.e2e_l09',
    source: `${E2E}/test_l09_l01_bridge.py:46`,
    section: '5.3',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // Each bridge call must return True: the call answered 2xx with JSON.
      const ts = pyUtcNow();
      const windowStart = pyUtcNow(-3_600_000);
      const windowEnd = pyUtcNow(3_600_000);
      const trace = uuidHex();
      const span = uuidHex().slice(0, 16);
      await callJson(ctx.send, sharedReq.recordApiRequest({ request_id: `req-test-${uuid4()}`, trace_id: trace, span_id: span, timestamp: ts, method: 'GET', path: '/api/test', status_code: 200, latency_ms: 45.67, consumer_id: 'test_consumer', tenant_id: 'test_tenant', authenticated: true, auth_method: 'api_key', rate_limit_tier: 'standard', client_ip: '127.0.0.1', user_agent: 'test-agent' }));
      await callJson(ctx.send, sharedReq.recordAuthenticationEvent({ event_id: `auth-${uuid4()}`, timestamp: ts, auth_method: 'oauth', success: true, consumer_id: 'test_consumer', tenant_id: 'test_tenant', client_ip: '127.0.0.1', user_agent: 'test-agent' }));
      await callJson(ctx.send, sharedReq.recordAuthenticationEvent({ event_id: `auth-${uuid4()}`, timestamp: ts, auth_method: 'api_key', success: false, failure_reason: 'Invalid API key', client_ip: '127.0.0.1', user_agent: 'test-agent' }));
      for (const [remaining, exceeded] of [[950, false], [0, true]] as const) {
        await callJson(ctx.send, sharedReq.recordRateLimitEvent({ event_id: `ratelimit-${uuid4()}`, timestamp: ts, consumer_id: 'test_consumer', rate_limit_tier: 'standard', tokens_remaining: remaining, tokens_limit: 1000, window_start: windowStart, window_end: windowEnd, tenant_id: 'test_tenant', endpoint: '/api/agents', tokens_requested: 1, exceeded }));
      }
      // test_full_api_request_lifecycle
      await callJson(ctx.send, sharedReq.recordAuthenticationEvent({ event_id: `auth-${uuid4()}`, timestamp: ts, auth_method: 'jwt', success: true, consumer_id: 'lifecycle_consumer', tenant_id: 'lifecycle_tenant', client_ip: '127.0.0.1', user_agent: 'lifecycle-test' }));
      await callJson(ctx.send, sharedReq.recordRateLimitEvent({ event_id: `ratelimit-${uuid4()}`, timestamp: ts, consumer_id: 'lifecycle_consumer', rate_limit_tier: 'premium', tokens_remaining: 4999, tokens_limit: 5000, window_start: windowStart, window_end: windowEnd, endpoint: '/api/v1/agents', tokens_requested: 1, exceeded: false }));
      await callJson(ctx.send, sharedReq.recordApiRequest({ request_id: `req-lifecycle-${uuid4()}`, trace_id: uuidHex(), span_id: uuidHex().slice(0, 16), timestamp: ts, method: 'POST', path: '/api/v1/agents', status_code: 201, latency_ms: 123.45, consumer_id: 'lifecycle_consumer', tenant_id: 'lifecycle_tenant', authenticated: true, auth_method: 'jwt', rate_limit_tier: 'premium', client_ip: '127.0.0.1', user_agent: 'lifecycle-test' }));
    },
  },
  {
    id: 'tests.e2e_l10',
    source: `${E2E}/test_l10_l01_bridge.py:42`,
    section: '5.3',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const ts = pyUtcNow();
      await callJson(ctx.send, sharedReq.recordUserInteraction({ interaction_id: `ui-${uuid4()}`, timestamp: ts, interaction_type: 'websocket', action: 'connect', user_id: 'test_user', client_ip: '127.0.0.1', user_agent: 'test-browser', session_id: 'test_session', result: 'success' }));
      await callJson(ctx.send, sharedReq.recordUserInteraction({ interaction_id: `ui-${uuid4()}`, timestamp: ts, interaction_type: 'api_call', action: 'list_agents', user_id: 'test_user', target_type: 'agent', parameters: { status: 'active', limit: 100 }, result: 'success', client_ip: '127.0.0.1', session_id: 'test_session' }));
      await callJson(ctx.send, sharedReq.recordUserInteraction({ interaction_id: `ui-${uuid4()}`, timestamp: ts, interaction_type: 'api_call', action: 'get_agent', user_id: 'test_user', target_type: 'agent', target_id: uuid4(), result: 'failure', error_message: 'Agent not found', client_ip: '127.0.0.1' }));
      // test_record_control_operation: the bridge returns its "ctrl-<uuid>" only when the call succeeded.
      const start = `ctrl-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordControlOperation({ operation_id: start, timestamp: ts, user_id: 'admin_user', operation_type: 'agent_control', command: 'start', target_agent_did: 'did:example:agent123', parameters: { mode: 'manual' }, status: 'pending' }));
      // test_control_operation_lifecycle
      const stop = `ctrl-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordControlOperation({ operation_id: stop, timestamp: ts, user_id: 'admin_user', operation_type: 'agent_control', command: 'stop', target_agent_did: 'did:example:agent456', status: 'pending' }));
      await callJson(ctx.send, sharedReq.updateControlOperation(stop, { status: 'executing', executed_at: pyUtcNow() }));
      await callJson(ctx.send, sharedReq.updateControlOperation(stop, { status: 'completed', result: { agent_status: 'stopped', shutdown_time_ms: 250 }, completed_at: pyUtcNow() }));
      // test_control_operation_failure
      const restart = `ctrl-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordControlOperation({ operation_id: restart, timestamp: ts, user_id: 'admin_user', operation_type: 'agent_control', command: 'restart', target_agent_did: 'did:example:agent789', status: 'pending' }));
      await callJson(ctx.send, sharedReq.updateControlOperation(restart, { status: 'failed', error_message: 'Agent not responding', executed_at: pyUtcNow(), completed_at: pyUtcNow() }));
    },
  },
  {
    id: 'tests.e2e_l11',
    source: `${E2E}/test_l11_l01_bridge.py:49`,
    section: '5.3',
    auth: 'none',
    originalWorked: true, // the test uses naive utcnow() timestamps
    async run(ctx) {
      // Sagas
      await callJson(ctx.send, sharedReq.recordSagaExecution({ saga_id: `saga-test-${uuid4()}`, saga_name: 'order_processing', started_at: pyUtcNow(), steps_total: 3, status: 'running', context: { order_id: '12345', customer_id: 'cust_123' }, metadata: { priority: 'high' } }));
      const lifecycle = `saga-lifecycle-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordSagaExecution({ saga_id: lifecycle, saga_name: 'payment_processing', started_at: pyUtcNow(), steps_total: 4, status: 'running' }));
      await callJson(ctx.send, sharedReq.updateSagaExecution(lifecycle, { status: 'running', steps_completed: 2, current_step: 'validate_payment' }));
      await callJson(ctx.send, sharedReq.updateSagaExecution(lifecycle, { status: 'completed', steps_completed: 4, completed_at: pyUtcNow() }));
      const failing = `saga-fail-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordSagaExecution({ saga_id: failing, saga_name: 'refund_processing', started_at: pyUtcNow(), steps_total: 3, status: 'running' }));
      await callJson(ctx.send, sharedReq.updateSagaExecution(failing, { status: 'compensating', steps_completed: 2, steps_failed: 1, compensation_mode: true }));
      await callJson(ctx.send, sharedReq.updateSagaExecution(failing, { status: 'failed', completed_at: pyUtcNow(), error_message: 'Payment gateway timeout' }));
      // Steps (saga ids the executions table never saw: not checked by the route)
      await callJson(ctx.send, sharedReq.recordSagaStep({ step_id: `step-${uuid4()}`, saga_id: `saga-steps-${uuid4()}`, step_name: 'reserve_inventory', step_index: 0, service_id: 'inventory-service', request: { product_id: 'prod_123', quantity: 5 }, status: 'pending' }));
      const step = `step-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordSagaStep({ step_id: step, saga_id: `saga-step-lifecycle-${uuid4()}`, step_name: 'charge_payment', step_index: 1, service_id: 'payment-service', request: { amount: 99.99, currency: 'USD' }, status: 'pending' }));
      await callJson(ctx.send, sharedReq.updateSagaStep(step, { status: 'executing', started_at: pyUtcNow() }));
      await callJson(ctx.send, sharedReq.updateSagaStep(step, { status: 'completed', completed_at: pyUtcNow(), response: { transaction_id: 'txn_123', status: 'success' } }));
      const compensated = `step-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordSagaStep({ step_id: compensated, saga_id: `saga-compensate-${uuid4()}`, step_name: 'create_order', step_index: 2, service_id: 'order-service', status: 'pending' }));
      await callJson(ctx.send, sharedReq.updateSagaStep(compensated, { status: 'failed', completed_at: pyUtcNow(), error_message: 'Database connection lost', retry_count: 3 }));
      await callJson(ctx.send, sharedReq.updateSagaStep(compensated, { compensation_executed: true, compensation_result: { rollback: 'success' } }));
      // Circuit breaker
      const ts = pyUtcNow();
      await callJson(ctx.send, sharedReq.recordCircuitBreakerEvent({ event_id: `cb-${uuid4()}`, timestamp: ts, service_id: 'payment-service', circuit_name: 'payment_gateway_circuit', event_type: 'state_change', state_to: 'open', state_from: 'closed', failure_count: 5, failure_threshold: 5, timeout_seconds: 60 }));
      await callJson(ctx.send, sharedReq.recordCircuitBreakerEvent({ event_id: `cb-${uuid4()}`, timestamp: ts, service_id: 'auth-service', circuit_name: 'auth_circuit', event_type: 'state_change', state_to: 'open', state_from: 'closed', failure_count: 10, failure_threshold: 10, timeout_seconds: 30, error_message: 'Too many connection failures' }));
      await callJson(ctx.send, sharedReq.recordCircuitBreakerEvent({ event_id: `cb-${uuid4()}`, timestamp: ts, service_id: 'auth-service', circuit_name: 'auth_circuit', event_type: 'state_change', state_to: 'half_open', state_from: 'open', failure_count: 10 }));
      await callJson(ctx.send, sharedReq.recordCircuitBreakerEvent({ event_id: `cb-${uuid4()}`, timestamp: ts, service_id: 'auth-service', circuit_name: 'auth_circuit', event_type: 'state_change', state_to: 'closed', state_from: 'half_open', success_count: 5 }));
    },
  },
];

