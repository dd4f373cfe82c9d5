/**
 * Section 5.2, L05 planning: `platform/src/L05_planning/services/l01_bridge.py`, called from
 * `services/planning_service.py` (shared client, no key). Goal and plan ids are uuid4 strings;
 * the goal is recorded while DECOMPOSING, the plan once VALIDATED. L05 never passes agent_id.
 */
import { expect } from 'vitest';
import type { CallerCase } from '../support/harness.js';
import { callJson, expectObject, pyUtcNow, uuid4, type Json } from '../support/python.js';
import { sharedReq } from '../support/shared-client.js';

const BRIDGE = 'platform/src/L05_planning/services/l01_bridge.py';

/** A task as record_plan serialises it (l01_bridge.py:167-188); retry_policy is always set. */
function task(taskId: string, name: string, taskType: string, dependencies: string[], extra: Json = {}): Json {
  return {
    task_id: taskId,
    name,
    description: `${name} for the incident summary`,
    task_type: taskType,
    status: 'pending',
    dependencies,
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

export const l05Cases: CallerCase[] = [
  {
    id: 'L05.record_goal',
    source: `${BRIDGE}:90`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const goalId = uuid4();
      ctx.remember('L05.goal', goalId);
      // GoalConstraints defaults (max_parallelism 10, priority 5, require_approval False) are truthy/not None: always sent.
      await callJson(
        ctx.send,
        sharedReq.recordGoal({
          goal_id: goalId,
          agent_did: await ctx.agentDid(),
          goal_text: 'Build complete e-commerce platform',
          goal_type: 'compound',
          status: 'decomposing',
          constraints: { max_token_budget: 50000, max_parallelism: 10, priority: 5, require_approval: false, cost_limit_usd: 10.0 },
          metadata: {},
        }),
      );
    },
  },
  {
    id: 'L05.update_goal_status',
    source: `${BRIDGE}:133`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      await callJson(ctx.send, sharedReq.updateGoalStatus(ctx.recall<string>('L05.goal'), 'ready', 'hybrid'));
    },
  },
  {
    id: 'L05.record_plan',
    source: `${BRIDGE}:206`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const planId = uuid4();
      ctx.remember('L05.plan', planId);
      const t1 = uuid4();
      const t2 = uuid4();
      await callJson(
        ctx.send,
        sharedReq.recordPlan({
          plan_id: planId,
          goal_id: ctx.recall<string>('L05.goal'),
          tasks: [task(t1, 'Design API schema', 'llm_call', [], { llm_prompt: 'Design the schema' }), task(t2, 'Implement endpoint', 'tool_call', [t1], { tool_name: 'code_writer' })],
          dependency_graph: { [t1]: [], [t2]: [t1] },
          status: 'validated',
          // ResourceConstraints serialised with all 8 keys, unset ones as None.
          resource_budget: { max_token_count: 8000, max_execution_time_sec: 600, max_parallel_tasks: 2, max_cpu_cores: null, max_memory_mb: null, max_disk_mb: null, max_network_mb: null, max_cost_usd: null },
          decomposition_strategy: 'hybrid',
          decomposition_latency_ms: 245.5,
          cache_hit: false,
          llm_provider: 'ollama',
          llm_model: 'qwen2.5:latest',
          total_tokens_used: 1234,
          validation_time_ms: 89.3,
          tags: [],
          metadata: {},
        }),
      );
    },
  },
  {
    id: 'L05.update_plan_status',
    source: `${BRIDGE}:275`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // execute_plan: EXECUTING with execution_started_at, then COMPLETED with the counters.
      const planId = ctx.recall<string>('L05.plan');
      const start = pyUtcNow(-2400);
      await callJson(ctx.send, sharedReq.updatePlanStatus(planId, { status: 'executing', execution_started_at: start }));
      await callJson(ctx.send, sharedReq.updatePlanStatus(planId, { status: 'completed', execution_completed_at: pyUtcNow(), execution_time_ms: 2400.731, completed_task_count: 2, failed_task_count: 0 }));
    },
  },
  {
    id: 'L05.get_plan',
    source: `${BRIDGE}:308`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // Returns the raw dict to L05's callers.
      const planId = ctx.recall<string>('L05.plan');
      const p = await callJson(ctx.send, sharedReq.getPlan(planId));
      expectObject(p, 'get_plan answer');
      expect(p.plan_id).toBe(planId);
      expect(p.goal_id).toBe(ctx.recall<string>('L05.goal'));
      expect(p.status).toBe('completed');
    },
  },
];
