/**
 * The shared client `platform/shared/clients/l01_client.py` (byte-identical copy:
 * `platform/src/L01_data_layer/client.py`), ported request by request: the same path spelling,
 * the same query parameters, the same body keys, the same "only if truthy / not None" rules
 * for optional fields. Line numbers are the method definitions.
 *
 * `sharedReq.<method>(args)` builds the request; `SharedClient` sends it and then does what
 * the Python method does with the answer: `raise_for_status()` + `.json()`, except the four
 * delete helpers (`status_code == 204`, never raising) and `get_dataset_examples`
 * (`[UUID(x) for x in response.json()]`).
 */
import { expect } from 'vitest';
import type { Send, SendRequest } from './harness.js';
import { callJson, notNone, orEmpty, orEmptyList, put, pyUuid, truthy, type Json } from './python.js';

export const SHARED_CLIENT = 'platform/shared/clients/l01_client.py';

type Opt<T> = T | null | undefined;

export interface ToolExecutionArgs {
  invocation_id: string;
  tool_name: string;
  input_params: Json;
  tool_id?: Opt<string>;
  tool_version?: Opt<string>;
  agent_id?: Opt<string>;
  agent_did?: Opt<string>;
  tenant_id?: Opt<string>;
  session_id?: Opt<string>;
  parent_sandbox_id?: Opt<string>;
  status?: string;
  async_mode?: boolean;
  priority?: number;
  idempotency_key?: Opt<string>;
  require_approval?: boolean;
  cpu_millicore_limit?: Opt<number>;
  memory_mb_limit?: Opt<number>;
  timeout_seconds?: Opt<number>;
}

export interface ToolExecutionUpdate {
  status?: Opt<string>;
  output_result?: Opt<Json>;
  error_code?: Opt<string>;
  error_message?: Opt<string>;
  error_details?: Opt<Json>;
  retryable?: Opt<boolean>;
  duration_ms?: Opt<number>;
  cpu_used_millicore_seconds?: Opt<number>;
  memory_peak_mb?: Opt<number>;
  network_bytes_sent?: Opt<number>;
  network_bytes_received?: Opt<number>;
  documents_accessed?: Opt<string[]>;
  checkpoints_created?: Opt<string[]>;
  checkpoint_ref?: Opt<string>;
  started_at?: Opt<string>;
  completed_at?: Opt<string>;
}

export interface ModelUsageArgs {
  request_id: string;
  model_provider: string;
  model_name: string;
  input_tokens: number;
  output_tokens: number;
  agent_id?: Opt<string>;
  agent_did?: Opt<string>;
  tenant_id?: Opt<string>;
  session_id?: Opt<string>;
  model_id?: Opt<string>;
  cached_tokens?: number;
  total_tokens?: Opt<number>;
  latency_ms?: Opt<number>;
  cached?: boolean;
  cost_estimate?: Opt<number>;
  cost_input_cents?: Opt<number>;
  cost_output_cents?: Opt<number>;
  cost_cached_cents?: Opt<number>;
  finish_reason?: Opt<string>;
  error_message?: Opt<string>;
  response_status?: string;
  metadata?: Opt<Json>;
}

export interface GoalArgs {
  goal_id: string;
  agent_did: string;
  goal_text: string;
  agent_id?: Opt<string>;
  goal_type?: string;
  status?: string;
  constraints?: Opt<Json>;
  metadata?: Opt<Json>;
  parent_goal_id?: Opt<string>;
  decomposition_strategy?: Opt<string>;
}

export interface PlanArgs {
  plan_id: string;
  goal_id: string;
  agent_id?: Opt<string>;
  tasks?: Opt<unknown[]>;
  dependency_graph?: Opt<Json>;
  status?: string;
  resource_budget?: Opt<Json>;
  decomposition_strategy?: string;
  decomposition_latency_ms?: Opt<number>;
  cache_hit?: boolean;
  llm_provider?: Opt<string>;
  llm_model?: Opt<string>;
  total_tokens_used?: number;
  validation_time_ms?: Opt<number>;
  tags?: Opt<string[]>;
  metadata?: Opt<Json>;
}

export interface PlanStatusArgs {
  status: string;
  validated_at?: Opt<string>;
  execution_started_at?: Opt<string>;
  execution_completed_at?: Opt<string>;
  execution_time_ms?: Opt<number>;
  parallelism_achieved?: Opt<number>;
  error?: Opt<string>;
  completed_task_count?: Opt<number>;
  failed_task_count?: Opt<number>;
}

export interface SessionArgs {
  agent_id: string;
  session_type?: string;
  context?: Opt<Json>;
  runtime_backend?: Opt<string>;
  runtime_metadata?: Opt<Json>;
}

export interface SessionUpdate {
  status?: Opt<string>;
  context?: Opt<Json>;
  checkpoint?: Opt<Json>;
  runtime_metadata?: Opt<Json>;
}

export interface TrainingExampleArgs {
  input_text: string;
  execution_id?: Opt<string>;
  task_id?: Opt<string>;
  agent_id?: Opt<string>;
  source_type?: string;
  output_text?: string;
  expected_actions?: Opt<Json[]>;
  final_answer?: string;
  quality_score?: number;
  confidence?: number;
  labels?: Opt<string[]>;
  domain?: string;
  task_type?: string;
  difficulty?: number;
  metadata?: Opt<Json>;
}

export interface TrainingExampleFilter {
  agent_id?: Opt<string>;
  domain?: Opt<string>;
  /** Python float; pass the text `str(x)` gives (e.g. "70.0") to keep the wire identical. */
  min_quality?: Opt<number | string>;
  source_type?: Opt<string>;
  limit?: number;
  offset?: number;
}

export interface DatasetArgs {
  name: string;
  version?: string;
  description?: string;
  tags?: Opt<string[]>;
  split_ratios?: Opt<Record<string, number>>;
  statistics?: Opt<Json>;
}

export interface QualityScoreArgs {
  score_id: string;
  agent_did: string;
  tenant_id: string;
  timestamp: string;
  overall_score: number;
  assessment: string;
  dimensions: Json;
  agent_id?: Opt<string>;
  data_completeness?: number;
  cached?: boolean;
  metadata?: Opt<Json>;
}

export interface MetricArgs {
  metric_name: string;
  value: number;
  timestamp: string;
  metric_type?: string;
  labels?: Opt<Record<string, string>>;
  agent_id?: Opt<string>;
  tenant_id?: Opt<string>;
}

export interface MetricQuery {
  metric_name: string;
  start_time?: Opt<string>;
  end_time?: Opt<string>;
  /** httpx turns a dict value into `str(dict)` (Python repr); pass that text. L01 ignores it. */
  labels?: Opt<string>;
  agent_id?: Opt<string>;
  limit?: number;
}

export interface AnomalyArgs {
  anomaly_id: string;
  metric_name: string;
  severity: string;
  baseline_value: number;
  current_value: number;
  z_score: number;
  detected_at: string;
  agent_id?: Opt<string>;
  agent_did?: Opt<string>;
  tenant_id?: Opt<string>;
  deviation_percent?: Opt<number>;
  confidence?: number;
  status?: string;
  alert_sent?: boolean;
}

export interface ComplianceArgs {
  result_id: string;
  execution_id: string;
  agent_did: string;
  tenant_id: string;
  timestamp: string;
  compliant: boolean;
  violations: Json[];
  constraints_checked: Json[];
  agent_id?: Opt<string>;
}

export interface AlertArgs {
  alert_id: string;
  timestamp: string;
  severity: string;
  alert_type: string;
  metric: string;
  message: string;
  channels: string[];
  agent_id?: Opt<string>;
  agent_did?: Opt<string>;
  tenant_id?: Opt<string>;
  metadata?: Opt<Json>;
}

export interface ApiRequestArgs {
  request_id: string;
  trace_id: string;
  span_id: string;
  timestamp: string;
  method: string;
  path: string;
  status_code: number;
  latency_ms: number;
  consumer_id?: Opt<string>;
  tenant_id?: Opt<string>;
  authenticated?: boolean;
  auth_method?: Opt<string>;
  request_size_bytes?: Opt<number>;
  response_size_bytes?: Opt<number>;
  rate_limit_tier?: Opt<string>;
  idempotency_key?: Opt<string>;
  idempotent_cache_hit?: boolean;
  error_code?: Opt<string>;
  error_message?: Opt<string>;
  client_ip?: Opt<string>;
  user_agent?: Opt<string>;
  headers?: Opt<Json>;
  query_params?: Opt<Json>;
  metadata?: Opt<Json>;
}

export interface AuthEventArgs {
  event_id: string;
  timestamp: string;
  auth_method: string;
  success: boolean;
  consumer_id?: Opt<string>;
  tenant_id?: Opt<string>;
  failure_reason?: Opt<string>;
  client_ip?: Opt<string>;
  user_agent?: Opt<string>;
  metadata?: Opt<Json>;
}

export interface RateLimitArgs {
  event_id: string;
  timestamp: string;
  consumer_id: string;
  rate_limit_tier: string;
  tokens_remaining: number;
  tokens_limit: number;
  window_start: string;
  window_end: string;
  tenant_id?: Opt<string>;
  endpoint?: Opt<string>;
  tokens_requested?: number;
  exceeded?: boolean;
  metadata?: Opt<Json>;
}

export interface UserInteractionArgs {
  interaction_id: string;
  timestamp: string;
  interaction_type: string;
  action: string;
  user_id?: Opt<string>;
  target_type?: Opt<string>;
  target_id?: Opt<string>;
  parameters?: Opt<Json>;
  result?: Opt<string>;
  error_message?: Opt<string>;
  client_ip?: Opt<string>;
  user_agent?: Opt<string>;
  session_id?: Opt<string>;
  metadata?: Opt<Json>;
}

export interface ControlOperationArgs {
  operation_id: string;
  timestamp: string;
  user_id: string;
  operation_type: string;
  command: string;
  target_agent_id?: Opt<string>;
  target_agent_did?: Opt<string>;
  parameters?: Opt<Json>;
  status?: string;
  result?: Opt<Json>;
  error_message?: Opt<string>;
  executed_at?: Opt<string>;
  completed_at?: Opt<string>;
  metadata?: Opt<Json>;
}

export interface ControlOperationUpdate {
  status?: Opt<string>;
  result?: Opt<Json>;
  error_message?: Opt<string>;
  executed_at?: Opt<string>;
  completed_at?: Opt<string>;
}

export interface SagaExecutionArgs {
  saga_id: string;
  saga_name: string;
  started_at: string;
  steps_total: number;
  status?: string;
  steps_completed?: number;
  steps_failed?: number;
  current_step?: Opt<string>;
  context?: Opt<Json>;
  compensation_mode?: boolean;
  completed_at?: Opt<string>;
  error_message?: Opt<string>;
  metadata?: Opt<Json>;
}

export interface SagaExecutionUpdate {
  status?: Opt<string>;
  steps_completed?: Opt<number>;
  steps_failed?: Opt<number>;
  current_step?: Opt<string>;
  compensation_mode?: Opt<boolean>;
  completed_at?: Opt<string>;
  error_message?: Opt<string>;
}

export interface SagaStepArgs {
  step_id: string;
  saga_id: string;
  step_name: string;
  step_index: number;
  service_id: string;
  status?: string;
  started_at?: Opt<string>;
  completed_at?: Opt<string>;
  request?: Opt<Json>;
  response?: Opt<Json>;
  error_message?: Opt<string>;
  compensation_executed?: boolean;
  compensation_result?: Opt<Json>;
  retry_count?: number;
  metadata?: Opt<Json>;
}

export interface SagaStepUpdate {
  status?: Opt<string>;
  started_at?: Opt<string>;
  completed_at?: Opt<string>;
  response?: Opt<Json>;
  error_message?: Opt<string>;
  compensation_executed?: Opt<boolean>;
  compensation_result?: Opt<Json>;
  retry_count?: Opt<number>;
}

export interface CircuitBreakerArgs {
  event_id: string;
  timestamp: string;
  service_id: string;
  circuit_name: string;
  event_type: string;
  state_to: string;
  state_from?: Opt<string>;
  failure_count?: Opt<number>;
  success_count?: Opt<number>;
  failure_threshold?: Opt<number>;
  timeout_seconds?: Opt<number>;
  error_message?: Opt<string>;
  metadata?: Opt<Json>;
}

export interface ServiceRegistryArgs {
  event_id: string;
  timestamp: string;
  service_id: string;
  event_type: string;
  layer?: Opt<string>;
  host?: Opt<string>;
  port?: Opt<number>;
  health_status?: Opt<string>;
  capabilities?: Opt<string[]>;
  metadata?: Opt<Json>;
}

/** Copies the keys of `from` that pass `test` (the clients' `if x is not None:` / `if x:` blocks). */
function pick(from: Json, keys: readonly string[], test: (v: unknown) => boolean): Json {
  const out: Json = {};
  for (const k of keys) put(out, k, from[k], test);
  return out;
}

const GET = (path: string, query?: SendRequest['query']): SendRequest => ({ method: 'GET', path, ...(query ? { query } : {}) });
const POST = (path: string, body?: unknown, query?: SendRequest['query']): SendRequest => ({
  method: 'POST',
  path,
  ...(body === undefined ? {} : { body }),
  ...(query ? { query } : {}),
});
const PATCH = (path: string, body: unknown): SendRequest => ({ method: 'PATCH', path, body });
const PUT = (path: string, body: unknown): SendRequest => ({ method: 'PUT', path, body });
const DELETE = (path: string): SendRequest => ({ method: 'DELETE', path });

/** The requests of the shared client's methods, as `l01_client.py` builds them. */
export const sharedReq = {
  // :44
  createAgent: (a: { name: string; agent_type?: string; configuration?: Opt<Json>; metadata?: Opt<Json> }) =>
    POST('/agents/', { name: a.name, agent_type: a.agent_type ?? 'general', configuration: orEmpty(a.configuration), metadata: orEmpty(a.metadata) }),
  // :58
  getAgent: (id: string) => GET(`/agents/${id}`),
  // :65
  listAgents: (a: { status?: Opt<string>; limit?: number } = {}) => {
    const params: Json = { limit: a.limit ?? 100 };
    put(params, 'status', a.status);
    return GET('/agents/', params as SendRequest['query']);
  },
  // :75
  updateAgent: (id: string, updates: Json) => PATCH(`/agents/${id}`, updates),
  // :82
  deleteAgent: (id: string) => DELETE(`/agents/${id}`),
  // :89
  publishEvent: (a: { event_type: string; aggregate_type: string; aggregate_id: string; payload: Json; metadata?: Opt<Json> }) =>
    POST('/events/', { event_type: a.event_type, aggregate_type: a.aggregate_type, aggregate_id: a.aggregate_id, payload: a.payload, metadata: orEmpty(a.metadata) }),
  // :104
  queryEvents: (a: { aggregate_id?: Opt<string>; event_type?: Opt<string>; limit?: number } = {}) => {
    const params: Json = { limit: a.limit ?? 100 };
    put(params, 'aggregate_id', a.aggregate_id);
    put(params, 'event_type', a.event_type);
    return GET('/events/', params as SendRequest['query']);
  },
  // :119 (description is sent even when None)
  registerTool: (a: { name: string; schema_def: Json; description?: Opt<string>; tool_type?: string }) =>
    POST('/tools/', { name: a.name, description: a.description ?? null, tool_type: a.tool_type ?? 'function', schema_def: a.schema_def }),
  // :133
  getTool: (id: string) => GET(`/tools/${id}`),
  // :140
  listTools: (enabledOnly = false) => GET('/tools/', { enabled_only: enabledOnly }),
  // :147
  recordToolExecution: (a: ToolExecutionArgs) => {
    const payload: Json = {
      invocation_id: a.invocation_id,
      tool_name: a.tool_name,
      input_params: a.input_params,
      status: a.status ?? 'pending',
      async_mode: a.async_mode ?? false,
      priority: a.priority ?? 5,
      require_approval: a.require_approval ?? false,
      ...pick(a as unknown as Json, ['tool_id', 'tool_version', 'agent_id', 'agent_did', 'tenant_id', 'session_id', 'parent_sandbox_id', 'idempotency_key', 'cpu_millicore_limit', 'memory_mb_limit', 'timeout_seconds'], truthy),
    };
    return POST('/tools/tool-executions', payload);
  },
  // :206
  getToolExecutionByInvocation: (inv: string) => GET(`/tools/executions/by-invocation/${inv}`),
  // :213
  updateToolExecution: (inv: string, u: ToolExecutionUpdate) =>
    PATCH(
      `/tools/executions/${inv}`,
      pick(u as Json, ['status', 'output_result', 'error_code', 'error_message', 'error_details', 'retryable', 'duration_ms', 'cpu_used_millicore_seconds', 'memory_peak_mb', 'network_bytes_sent', 'network_bytes_received', 'documents_accessed', 'checkpoints_created', 'checkpoint_ref', 'started_at', 'completed_at'], notNone),
    ),
  // :273
  listToolExecutions: (a: { agent_id?: Opt<string>; tool_name?: Opt<string>; session_id?: Opt<string>; tenant_id?: Opt<string>; status?: Opt<string>; limit?: number; offset?: number } = {}) => {
    const params: Json = { limit: a.limit ?? 100, offset: a.offset ?? 0, ...pick(a as Json, ['agent_id', 'tool_name', 'session_id', 'tenant_id', 'status'], truthy) };
    return GET('/tools/executions', params as SendRequest['query']);
  },
  // :302
  createGoal: (a: { agent_id: string; description: string; success_criteria?: Opt<Json[]>; priority?: number }) =>
    POST('/goals/', { agent_id: a.agent_id, description: a.description, success_criteria: orEmptyList(a.success_criteria), priority: a.priority ?? 5 }),
  // :316
  getGoal: (goalId: string) => GET(`/goals/${goalId}`),
  // :323
  updateGoal: (goalId: string, updates: Json) => PATCH(`/goals/${goalId}`, updates),
  // :330
  listGoals: (a: { agent_id?: Opt<string>; limit?: number } = {}) => {
    const params: Json = { limit: a.limit ?? 100 };
    put(params, 'agent_id', a.agent_id);
    return GET('/goals/', params as SendRequest['query']);
  },
  // :341
  createPlan: (a: { goal_id: string; agent_id: string; steps: Json[]; plan_type?: string }) =>
    POST('/plans/', { goal_id: a.goal_id, agent_id: a.agent_id, plan_type: a.plan_type ?? 'sequential', steps: a.steps }),
  // :362
  updatePlan: (planId: string, updates: Json) => PATCH(`/plans/${planId}`, updates),
  // :370 (task_type is sent even when None)
  createTask: (a: { plan_id: string; agent_id: string; description: string; task_type?: Opt<string>; input_data?: Opt<Json> }) =>
    POST('/plans/tasks', { plan_id: a.plan_id, agent_id: a.agent_id, description: a.description, task_type: a.task_type ?? null, input_data: orEmpty(a.input_data) }),
  // :385
  updateTask: (taskId: string, updates: Json) => PATCH(`/plans/tasks/${taskId}`, updates),
  // :393 (score and feedback are sent even when None)
  recordEvaluation: (a: { agent_id: string; evaluation_type: string; score?: Opt<number>; metrics?: Opt<Json>; task_id?: Opt<string>; feedback?: Opt<string> }) => {
    const payload: Json = { agent_id: a.agent_id, evaluation_type: a.evaluation_type, score: a.score ?? null, metrics: orEmpty(a.metrics), feedback: a.feedback ?? null };
    put(payload, 'task_id', a.task_id);
    return POST('/evaluations/', payload);
  },
  // :413
  getAgentStats: (agentId: string) => GET(`/evaluations/agent/${agentId}/stats`),
  // :421 (rating is sent even when None)
  recordFeedback: (a: { agent_id: string; feedback_type: string; content: string; rating?: Opt<number>; task_id?: Opt<string>; metadata?: Opt<Json> }) => {
    const payload: Json = { agent_id: a.agent_id, feedback_type: a.feedback_type, content: a.content, rating: a.rating ?? null, metadata: orEmpty(a.metadata) };
    put(payload, 'task_id', a.task_id);
    return POST('/feedback/', payload);
  },
  // :440
  getUnprocessedFeedback: (limit = 100) => GET('/feedback/unprocessed', { limit }),
  // :448
  recordModelUsage: (a: ModelUsageArgs) => {
    const payload: Json = {
      request_id: a.request_id,
      model_provider: a.model_provider,
      model_name: a.model_name,
      input_tokens: a.input_tokens,
      output_tokens: a.output_tokens,
      cached_tokens: a.cached_tokens ?? 0,
      total_tokens: notNone(a.total_tokens) ? a.total_tokens : a.input_tokens + a.output_tokens,
      cached: a.cached ?? false,
      response_status: a.response_status ?? 'success',
      metadata: orEmpty(a.metadata),
      ...pick(a as unknown as Json, ['agent_id', 'agent_did', 'tenant_id', 'session_id', 'model_id'], truthy),
      ...pick(a as unknown as Json, ['latency_ms', 'cost_estimate', 'cost_input_cents', 'cost_output_cents', 'cost_cached_cents'], notNone),
      ...pick(a as unknown as Json, ['finish_reason', 'error_message'], truthy),
    };
    return POST('/models/usage', payload);
  },
  // :519
  recordGoal: (a: GoalArgs) => {
    const payload: Json = {
      goal_id: a.goal_id,
      agent_did: a.agent_did,
      goal_text: a.goal_text,
      goal_type: a.goal_type ?? 'compound',
      status: a.status ?? 'pending',
      metadata: orEmpty(a.metadata),
      ...pick(a as unknown as Json, ['agent_id', 'constraints', 'parent_goal_id', 'decomposition_strategy'], truthy),
    };
    return POST('/goals/', payload);
  },
  // :557
  updateGoalStatus: (goalId: string, status: string, decompositionStrategy?: Opt<string>) => {
    const payload: Json = { status };
    put(payload, 'decomposition_strategy', decompositionStrategy);
    return PATCH(`/goals/${goalId}`, payload);
  },
  // :574
  recordPlan: (a: PlanArgs) => {
    const payload: Json = {
      plan_id: a.plan_id,
      goal_id: a.goal_id,
      tasks: orEmptyList(a.tasks),
      dependency_graph: orEmpty(a.dependency_graph),
      status: a.status ?? 'draft',
      decomposition_strategy: a.decomposition_strategy ?? 'hybrid',
      cache_hit: a.cache_hit ?? false,
      total_tokens_used: a.total_tokens_used ?? 0,
      metadata: orEmpty(a.metadata),
      ...pick(a as unknown as Json, ['agent_id', 'resource_budget'], truthy),
      ...pick(a as unknown as Json, ['decomposition_latency_ms'], notNone),
      ...pick(a as unknown as Json, ['llm_provider', 'llm_model'], truthy),
      ...pick(a as unknown as Json, ['validation_time_ms'], notNone),
      ...pick(a as unknown as Json, ['tags'], truthy),
    };
    return POST('/plans/', payload);
  },
  // :627
  updatePlanStatus: (planId: string, a: PlanStatusArgs) => {
    const payload: Json = {
      status: a.status,
      ...pick(a as unknown as Json, ['validated_at', 'execution_started_at', 'execution_completed_at'], truthy),
      ...pick(a as unknown as Json, ['execution_time_ms', 'parallelism_achieved'], notNone),
      ...pick(a as unknown as Json, ['error'], truthy),
      ...pick(a as unknown as Json, ['completed_task_count', 'failed_task_count'], notNone),
    };
    return PATCH(`/plans/${planId}`, payload);
  },
  // :665 (the redefinition; the one at :355 is shadowed)
  getPlan: (planId: string) => GET(`/plans/${planId}`),
  // :673
  getConfig: (ns: string, key: string) => GET(`/config/${ns}/${key}`),
  // :680 (the value dict is the whole body)
  setConfig: (ns: string, key: string, value: Json) => PUT(`/config/${ns}/${key}`, value),
  // :688 (runtime_backend is sent even when None)
  createSession: (a: SessionArgs) =>
    POST('/sessions/', { agent_id: a.agent_id, session_type: a.session_type ?? 'runtime', context: orEmpty(a.context), runtime_backend: a.runtime_backend ?? null, runtime_metadata: orEmpty(a.runtime_metadata) }),
  // :708
  getSession: (id: string) => GET(`/sessions/${id}`),
  // :715
  updateSession: (id: string, u: SessionUpdate) => PATCH(`/sessions/${id}`, pick(u as Json, ['status', 'context', 'checkpoint', 'runtime_metadata'], notNone)),
  // :739
  listSessions: (a: { agent_id?: Opt<string>; limit?: number } = {}) => {
    const params: Json = { limit: a.limit ?? 100 };
    put(params, 'agent_id', a.agent_id);
    return GET('/sessions/', params as SendRequest['query']);
  },
  // :754 (15 keys, always all of them; agent_id str or None)
  createTrainingExample: (a: TrainingExampleArgs) =>
    POST('/training-examples/', {
      execution_id: a.execution_id ?? null,
      task_id: a.task_id ?? null,
      agent_id: truthy(a.agent_id) ? a.agent_id : null,
      source_type: a.source_type ?? 'execution_trace',
      input_text: a.input_text,
      output_text: a.output_text ?? '',
      expected_actions: orEmptyList(a.expected_actions),
      final_answer: a.final_answer ?? '',
      quality_score: a.quality_score ?? 0.0,
      confidence: a.confidence ?? 0.0,
      labels: orEmptyList(a.labels),
      domain: a.domain ?? 'general',
      task_type: a.task_type ?? 'single_step',
      difficulty: a.difficulty ?? 0.5,
      metadata: orEmpty(a.metadata),
    }),
  // :794
  getTrainingExample: (id: string) => GET(`/training-examples/${id}`),
  // :801
  listTrainingExamples: (a: TrainingExampleFilter = {}) => {
    const params: Json = { limit: a.limit ?? 100, offset: a.offset ?? 0 };
    put(params, 'agent_id', a.agent_id);
    put(params, 'domain', a.domain);
    put(params, 'min_quality', a.min_quality, notNone);
    put(params, 'source_type', a.source_type);
    return GET('/training-examples/', params as SendRequest['query']);
  },
  // :825
  updateTrainingExample: (id: string, updates: Json) => PATCH(`/training-examples/${id}`, updates),
  // :836
  deleteTrainingExample: (id: string) => DELETE(`/training-examples/${id}`),
  // :842
  getTrainingExampleStatistics: () => GET('/training-examples/statistics'),
  // :850
  createDataset: (a: DatasetArgs) =>
    POST('/datasets/', {
      name: a.name,
      version: a.version ?? '1.0.0',
      description: a.description ?? '',
      tags: orEmptyList(a.tags),
      split_ratios: truthy(a.split_ratios) ? a.split_ratios : { train: 0.8, validation: 0.1, test: 0.1 },
      statistics: orEmpty(a.statistics),
    }),
  // :872
  getDataset: (id: string) => GET(`/datasets/${id}`),
  // :879
  listDatasets: (a: { name_filter?: Opt<string>; tag_filter?: Opt<string>; limit?: number; offset?: number } = {}) => {
    const params: Json = { limit: a.limit ?? 100, offset: a.offset ?? 0 };
    put(params, 'name_filter', a.name_filter);
    put(params, 'tag_filter', a.tag_filter);
    return GET('/datasets/', params as SendRequest['query']);
  },
  // :897
  updateDataset: (id: string, updates: Json) => PATCH(`/datasets/${id}`, updates),
  // :908
  deleteDataset: (id: string) => DELETE(`/datasets/${id}`),
  // :914 (query split, no body)
  addExampleToDataset: (datasetId: string, exampleId: string, split = 'train') => POST(`/datasets/${datasetId}/examples/${exampleId}`, undefined, { split }),
  // :929
  removeExampleFromDataset: (datasetId: string, exampleId: string) => DELETE(`/datasets/${datasetId}/examples/${exampleId}`),
  // :939
  getDatasetExamples: (datasetId: string, split?: Opt<string>) => {
    const params: Json = {};
    put(params, 'split', split);
    return GET(`/datasets/${datasetId}/examples`, params as SendRequest['query']);
  },
  // :953
  getDatasetSplitCounts: (datasetId: string) => GET(`/datasets/${datasetId}/split-counts`),
  // :960
  getDatasetStatistics: () => GET('/datasets/statistics'),
  // :969
  recordQualityScore: (a: QualityScoreArgs) => {
    const payload: Json = {
      score_id: a.score_id,
      agent_did: a.agent_did,
      tenant_id: a.tenant_id,
      timestamp: a.timestamp,
      overall_score: a.overall_score,
      assessment: a.assessment,
      dimensions: a.dimensions,
      data_completeness: a.data_completeness ?? 1.0,
      cached: a.cached ?? false,
      metadata: orEmpty(a.metadata),
    };
    put(payload, 'agent_id', a.agent_id);
    return POST('/quality-scores/', payload);
  },
  // :1006
  getQualityScore: (scoreId: string) => GET(`/quality-scores/${scoreId}`),
  // :1013
  recordMetric: (a: MetricArgs) => {
    const payload: Json = { metric_name: a.metric_name, value: a.value, timestamp: a.timestamp, metric_type: a.metric_type ?? 'gauge', labels: orEmpty(a.labels) };
    put(payload, 'agent_id', a.agent_id);
    put(payload, 'tenant_id', a.tenant_id);
    return POST('/metrics/', payload);
  },
  // :1043
  queryMetrics: (a: MetricQuery) => {
    const params: Json = { metric_name: a.metric_name, limit: a.limit ?? 1000 };
    put(params, 'start_time', a.start_time);
    put(params, 'end_time', a.end_time);
    put(params, 'agent_id', a.agent_id);
    put(params, 'labels', a.labels);
    return GET('/metrics/', params as SendRequest['query']);
  },
  // :1073
  recordAnomaly: (a: AnomalyArgs) => {
    const payload: Json = {
      anomaly_id: a.anomaly_id,
      metric_name: a.metric_name,
      severity: a.severity,
      baseline_value: a.baseline_value,
      current_value: a.current_value,
      z_score: a.z_score,
      detected_at: a.detected_at,
      confidence: a.confidence ?? 0.95,
      status: a.status ?? 'alerting',
      alert_sent: a.alert_sent ?? false,
      ...pick(a as unknown as Json, ['agent_id', 'agent_did', 'tenant_id'], truthy),
      ...pick(a as unknown as Json, ['deviation_percent'], notNone),
    };
    return POST('/anomalies/', payload);
  },
  // :1119
  getAnomaly: (id: string) => GET(`/anomalies/${id}`),
  // :1126
  updateAnomalyStatus: (id: string, status: string, resolvedAt?: Opt<string>, alertSent?: Opt<boolean>) => {
    const payload: Json = { status };
    put(payload, 'resolved_at', resolvedAt);
    put(payload, 'alert_sent', alertSent, notNone);
    return PATCH(`/anomalies/${id}`, payload);
  },
  // :1149
  recordComplianceResult: (a: ComplianceArgs) => {
    const payload: Json = {
      result_id: a.result_id,
      execution_id: a.execution_id,
      agent_did: a.agent_did,
      tenant_id: a.tenant_id,
      timestamp: a.timestamp,
      compliant: a.compliant,
      violations: a.violations,
      constraints_checked: a.constraints_checked,
    };
    put(payload, 'agent_id', a.agent_id);
    return POST('/compliance-results/', payload);
  },
  // :1182
  getComplianceResult: (id: string) => GET(`/compliance-results/${id}`),
  // :1189 (alert_type goes out as `type`)
  recordAlert: (a: AlertArgs) => {
    const payload: Json = {
      alert_id: a.alert_id,
      timestamp: a.timestamp,
      severity: a.severity,
      type: a.alert_type,
      metric: a.metric,
      message: a.message,
      channels: a.channels,
      metadata: orEmpty(a.metadata),
      ...pick(a as unknown as Json, ['agent_id', 'agent_did', 'tenant_id'], truthy),
    };
    return POST('/alerts/', payload);
  },
  // :1228
  updateAlertDelivery: (id: string, deliveryAttempts: number, delivered: boolean, lastAttempt?: Opt<string>) => {
    const payload: Json = { delivery_attempts: deliveryAttempts, delivered };
    put(payload, 'last_attempt', lastAttempt);
    return PATCH(`/alerts/${id}`, payload);
  },
  // :1250
  getAlert: (id: string) => GET(`/alerts/${id}`),
  // :1261
  recordApiRequest: (a: ApiRequestArgs) => {
    const payload: Json = {
      request_id: a.request_id,
      trace_id: a.trace_id,
      span_id: a.span_id,
      timestamp: a.timestamp,
      method: a.method,
      path: a.path,
      status_code: a.status_code,
      latency_ms: a.latency_ms,
      authenticated: a.authenticated ?? false,
      idempotent_cache_hit: a.idempotent_cache_hit ?? false,
      ...pick(a as unknown as Json, ['consumer_id', 'tenant_id', 'auth_method'], truthy),
      ...pick(a as unknown as Json, ['request_size_bytes', 'response_size_bytes'], notNone),
      ...pick(a as unknown as Json, ['rate_limit_tier', 'idempotency_key', 'error_code', 'error_message', 'client_ip', 'user_agent', 'headers', 'query_params', 'metadata'], truthy),
    };
    return POST('/api-requests/', payload);
  },
  // :1337
  recordAuthenticationEvent: (a: AuthEventArgs) =>
    POST('/authentication-events/', {
      event_id: a.event_id,
      timestamp: a.timestamp,
      auth_method: a.auth_method,
      success: a.success,
      ...pick(a as unknown as Json, ['consumer_id', 'tenant_id', 'failure_reason', 'client_ip', 'user_agent', 'metadata'], truthy),
    }),
  // :1377
  recordRateLimitEvent: (a: RateLimitArgs) =>
    POST('/rate-limit-events/', {
      event_id: a.event_id,
      timestamp: a.timestamp,
      consumer_id: a.consumer_id,
      rate_limit_tier: a.rate_limit_tier,
      tokens_requested: a.tokens_requested ?? 1,
      tokens_remaining: a.tokens_remaining,
      tokens_limit: a.tokens_limit,
      window_start: a.window_start,
      window_end: a.window_end,
      exceeded: a.exceeded ?? false,
      ...pick(a as unknown as Json, ['tenant_id', 'endpoint', 'metadata'], truthy),
    }),
  // :1424
  recordUserInteraction: (a: UserInteractionArgs) =>
    POST('/user-interactions/', {
      interaction_id: a.interaction_id,
      timestamp: a.timestamp,
      interaction_type: a.interaction_type,
      action: a.action,
      ...pick(a as unknown as Json, ['user_id', 'target_type', 'target_id', 'parameters', 'result', 'error_message', 'client_ip', 'user_agent', 'session_id', 'metadata'], truthy),
    }),
  // :1476
  recordControlOperation: (a: ControlOperationArgs) =>
    POST('/control-operations/', {
      operation_id: a.operation_id,
      timestamp: a.timestamp,
      user_id: a.user_id,
      operation_type: a.operation_type,
      command: a.command,
      status: a.status ?? 'pending',
      ...pick(a as unknown as Json, ['target_agent_id', 'target_agent_did', 'parameters', 'result', 'error_message', 'executed_at', 'completed_at', 'metadata'], truthy),
    }),
  // :1526
  updateControlOperation: (id: string, u: ControlOperationUpdate) =>
    PATCH(`/control-operations/${id}`, pick(u as Json, ['status', 'result', 'error_message', 'executed_at', 'completed_at'], truthy)),
  // :1558
  recordSagaExecution: (a: SagaExecutionArgs) =>
    POST('/saga-executions/', {
      saga_id: a.saga_id,
      saga_name: a.saga_name,
      started_at: a.started_at,
      steps_total: a.steps_total,
      status: a.status ?? 'running',
      steps_completed: a.steps_completed ?? 0,
      steps_failed: a.steps_failed ?? 0,
      compensation_mode: a.compensation_mode ?? false,
      ...pick(a as unknown as Json, ['current_step', 'context', 'completed_at', 'error_message', 'metadata'], truthy),
    }),
  // :1603
  updateSagaExecution: (id: string, u: SagaExecutionUpdate) => {
    const payload: Json = {};
    put(payload, 'status', u.status);
    put(payload, 'steps_completed', u.steps_completed, notNone);
    put(payload, 'steps_failed', u.steps_failed, notNone);
    put(payload, 'current_step', u.current_step);
    put(payload, 'compensation_mode', u.compensation_mode, notNone);
    put(payload, 'completed_at', u.completed_at);
    put(payload, 'error_message', u.error_message);
    return PATCH(`/saga-executions/${id}`, payload);
  },
  // :1637
  recordSagaStep: (a: SagaStepArgs) =>
    POST('/saga-steps/', {
      step_id: a.step_id,
      saga_id: a.saga_id,
      step_name: a.step_name,
      step_index: a.step_index,
      service_id: a.service_id,
      status: a.status ?? 'pending',
      compensation_executed: a.compensation_executed ?? false,
      retry_count: a.retry_count ?? 0,
      ...pick(a as unknown as Json, ['started_at', 'completed_at', 'request', 'response', 'error_message', 'compensation_result', 'metadata'], truthy),
    }),
  // :1688
  updateSagaStep: (id: string, u: SagaStepUpdate) => {
    const payload: Json = {};
    put(payload, 'status', u.status);
    put(payload, 'started_at', u.started_at);
    put(payload, 'completed_at', u.completed_at);
    put(payload, 'response', u.response);
    put(payload, 'error_message', u.error_message);
    put(payload, 'compensation_executed', u.compensation_executed, notNone);
    put(payload, 'compensation_result', u.compensation_result);
    put(payload, 'retry_count', u.retry_count, notNone);
    return PATCH(`/saga-steps/${id}`, payload);
  },
  // :1725
  recordCircuitBreakerEvent: (a: CircuitBreakerArgs) =>
    POST('/circuit-breaker-events/', {
      event_id: a.event_id,
      timestamp: a.timestamp,
      service_id: a.service_id,
      circuit_name: a.circuit_name,
      event_type: a.event_type,
      state_to: a.state_to,
      ...pick(a as unknown as Json, ['state_from'], truthy),
      ...pick(a as unknown as Json, ['failure_count', 'success_count', 'failure_threshold', 'timeout_seconds'], notNone),
      ...pick(a as unknown as Json, ['error_message', 'metadata'], truthy),
    }),
  // :1772
  recordServiceRegistryEvent: (a: ServiceRegistryArgs) =>
    POST('/service-registry-events/', {
      event_id: a.event_id,
      timestamp: a.timestamp,
      service_id: a.service_id,
      event_type: a.event_type,
      ...pick(a as unknown as Json, ['layer', 'host'], truthy),
      ...pick(a as unknown as Json, ['port'], notNone),
      ...pick(a as unknown as Json, ['health_status', 'capabilities', 'metadata'], truthy),
    }),
} as const;

/** Sends a shared-client request and treats the answer as the Python method does. */
export class SharedClient {
  constructor(private readonly send: Send) {}

  /** Every method but the deletes and `get_dataset_examples`: `raise_for_status()` then `.json()`. */
  json(req: SendRequest): Promise<any> {
    return callJson(this.send, req);
  }

  /** `delete_agent`, `delete_training_example`, `delete_dataset`, `remove_example_from_dataset`: `status_code == 204`, never raises. */
  async deleted(req: SendRequest): Promise<boolean> {
    const res = await this.send(req);
    return res.status === 204;
  }

  /** `get_dataset_examples`: `[UUID(id_str) for id_str in response.json()]`. */
  async datasetExamples(datasetId: string, split?: Opt<string>): Promise<string[]> {
    const req = sharedReq.getDatasetExamples(datasetId, split);
    const data = await callJson(this.send, req);
    // Iterating anything but a list of strings fails in UUID() (a dict iterates its keys).
    expect(Array.isArray(data), `GET /datasets/${datasetId}/examples: expected a JSON array of ids, got ${JSON.stringify(data)}`).toBe(true);
    return (data as unknown[]).map((x, i) => pyUuid(x, `get_dataset_examples item ${i}`));
  }
}

/** The methods `L01Client` defines (the source's `async def` names); L07 calls one that is not there. */
export const SHARED_CLIENT_METHODS: readonly string[] = [
  'close', 'create_agent', 'get_agent', 'list_agents', 'update_agent', 'delete_agent', 'publish_event', 'query_events',
  'register_tool', 'get_tool', 'list_tools', 'record_tool_execution', 'get_tool_execution_by_invocation',
  'update_tool_execution', 'list_tool_executions', 'create_goal', 'get_goal', 'update_goal', 'list_goals', 'create_plan',
  'get_plan', 'update_plan', 'create_task', 'update_task', 'record_evaluation', 'get_agent_stats', 'record_feedback',
  'get_unprocessed_feedback', 'record_model_usage', 'record_goal', 'update_goal_status', 'record_plan',
  'update_plan_status', 'get_config', 'set_config', 'create_session', 'get_session', 'update_session', 'list_sessions',
  'create_training_example', 'get_training_example', 'list_training_examples', 'update_training_example',
  'delete_training_example', 'get_training_example_statistics', 'create_dataset', 'get_dataset', 'list_datasets',
  'update_dataset', 'delete_dataset', 'add_example_to_dataset', 'remove_example_from_dataset', 'get_dataset_examples',
  'get_dataset_split_counts', 'get_dataset_statistics', 'record_quality_score', 'get_quality_score', 'record_metric',
  'query_metrics', 'record_anomaly', 'get_anomaly', 'update_anomaly_status', 'record_compliance_result',
  'get_compliance_result', 'record_alert', 'update_alert_delivery', 'get_alert', 'record_api_request',
  'record_authentication_event', 'record_rate_limit_event', 'record_user_interaction', 'record_control_operation',
  'update_control_operation', 'record_saga_execution', 'update_saga_execution', 'record_saga_step', 'update_saga_step',
  'record_circuit_breaker_event', 'record_service_registry_event',
];

