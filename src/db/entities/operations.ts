import { bigint, boolean, double, integer, json, oneOf, ref, tags, text, timestamp, uuid, varchar } from '../columns.js';
import { defineEntity } from '../entity.js';

/**
 * What the platform itself does: requests, security, resilience and orchestration. The
 * records of L09, L10 and L11 carry the caller's own id (`request_id`, `event_id`,
 * `interaction_id`, `operation_id`, `saga_id`, `step_id`) and the time it happened
 * (`timestamp`); columns named after the original service's fields serve its callers
 * (see planning.ts).
 */

export const apiRequests = defineEntity({
  table: 'api_requests',
  singular: 'api_request',
  description: 'A logged API request made by or to an agent.',
  columns: {
    // Unique: the original's key (L09: `req-<trace_id>-<span_id>`).
    request_id: varchar(255).unique(),
    method: oneOf(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).required(),
    path: varchar(2048).required(),
    status_code: integer().range(100, 599).indexed(),
    // The original's latency_ms, consumer_id, request_size_bytes and response_size_bytes.
    duration_ms: double(),
    caller: varchar(255).indexed(),
    agent_id: ref('agents'),
    request_bytes: integer().range(0, 2_147_483_647),
    response_bytes: integer().range(0, 2_147_483_647),
    metadata: json().default({}),
    trace_id: varchar(255),
    span_id: varchar(255),
    timestamp: timestamp().indexed(),
    tenant_id: varchar(255).indexed(),
    authenticated: boolean().default(false),
    auth_method: varchar(50),
    rate_limit_tier: varchar(50),
    idempotency_key: varchar(255),
    idempotent_cache_hit: boolean().default(false),
    error_code: varchar(50),
    error_message: text(),
    client_ip: varchar(45),
    user_agent: text(),
    headers: json().default({}),
    query_params: json().default({}),
  },
});

export const rateLimitEvents = defineEntity({
  table: 'rate_limit_events',
  singular: 'rate_limit_event',
  description: 'A rate limiter decision for a caller or key.',
  columns: {
    // Optional: L09 names the consumer and its tier, not a bucket.
    bucket_key: varchar(255).indexed(),
    // The original's consumer_id and tokens_limit.
    caller: varchar(255).indexed(),
    limit_value: integer().required().range(0, 2_147_483_647),
    // Optional: L09 gives the window's start and end instead.
    window_ms: integer().range(1, 2_147_483_647),
    current_count: integer().range(0, 2_147_483_647),
    // The original's `exceeded`: false ↔ allowed, true ↔ throttled (compat/resources).
    action: oneOf(['allowed', 'throttled', 'blocked']).required().indexed(),
    metadata: json().default({}),
    event_id: varchar(255).unique().describe('The caller\'s id of the event (L09: `ratelimit-<uuid>`).'),
    timestamp: timestamp(),
    tenant_id: varchar(255),
    rate_limit_tier: varchar(50),
    endpoint: varchar(1000),
    tokens_requested: integer().default(1),
    tokens_remaining: integer(),
    window_start: timestamp(),
    window_end: timestamp(),
  },
});

export const authenticationEvents = defineEntity({
  table: 'authentication_events',
  singular: 'authentication_event',
  description: 'An authentication attempt and its outcome.',
  columns: {
    // The original's consumer_id, auth_method, failure_reason and client_ip.
    principal: varchar(255).indexed(),
    // oauth_jwt: L09's name for a JWT from an OAuth provider.
    method: oneOf(['api_key', 'jwt', 'oauth', 'oauth_jwt', 'mtls', 'session']).required(),
    // The original's `success`: true ↔ success, false ↔ failure (compat/resources).
    outcome: oneOf(['success', 'failure', 'revoked', 'expired']).required().indexed(),
    reason: text(),
    source_ip: varchar(45),
    user_agent: varchar(1000),
    metadata: json().default({}),
    event_id: varchar(255).unique().describe('The caller\'s id of the event (L09: `auth-<uuid>`).'),
    timestamp: timestamp(),
    tenant_id: varchar(255),
  },
});

const breakerStates = ['closed', 'open', 'half_open'] as const;

export const circuitBreakerEvents = defineEntity({
  table: 'circuit_breaker_events',
  singular: 'circuit_breaker_event',
  description: 'A circuit breaker state transition for a downstream service.',
  columns: {
    // The original's service_id, state_to, state_from and error_message.
    service_name: varchar(255).required().indexed(),
    state: oneOf(breakerStates).required().indexed(),
    previous_state: oneOf(breakerStates),
    failure_count: integer().default(0).range(0, 2_147_483_647),
    reason: text(),
    metadata: json().default({}),
    event_id: varchar(255).unique().describe('The caller\'s id of the event (L11: `cb-<uuid>`).'),
    timestamp: timestamp(),
    circuit_name: varchar(255).indexed(),
    event_type: varchar(50).indexed(),
    success_count: integer(),
    failure_threshold: integer(),
    timeout_seconds: integer(),
  },
});

export const serviceRegistryEvents = defineEntity({
  table: 'service_registry_events',
  singular: 'service_registry_event',
  description: 'A service instance registering, leaving or changing health.',
  columns: {
    // The original's service_id, event_type, host and health_status.
    service_name: varchar(255).required().indexed(),
    // Optional: L11 registers services, not instances.
    instance_id: varchar(255).indexed(),
    // health_change: L11's name for health_changed.
    action: oneOf(['registered', 'deregistered', 'heartbeat', 'health_changed', 'health_change']).required().indexed(),
    // offline: L11's state of a service that stopped answering.
    health: oneOf(['healthy', 'degraded', 'unhealthy', 'offline', 'unknown']).default('unknown'),
    address: varchar(255),
    port: integer().range(1, 65535),
    metadata: json().default({}),
    event_id: varchar(255).unique().describe('The caller\'s id of the event (L11: `sr-<uuid>`).'),
    timestamp: timestamp(),
    layer: varchar(50).indexed(),
    capabilities: tags(),
  },
});

export const userInteractions = defineEntity({
  table: 'user_interactions',
  singular: 'user_interaction',
  description: 'One interaction of a user with an agent.',
  columns: {
    // Optional: L10 often records interactions of no known user.
    user_id: varchar(255).indexed(),
    session_id: ref('sessions'),
    agent_id: ref('agents'),
    interaction_type: varchar(100).required().indexed(),
    content: text(),
    response: text(),
    latency_ms: double(),
    metadata: json().default({}),
    interaction_id: varchar(255).unique().describe('The caller\'s id of the interaction (L10: `ui-<uuid>`).'),
    timestamp: timestamp(),
    session_ref: varchar(255).indexed().describe('The caller\'s session id, free text (the original\'s `session_id`).'),
    target_type: varchar(100),
    target_id: varchar(255),
    action: varchar(100),
    parameters: json().default({}),
    result: varchar(50),
    error_message: text(),
    client_ip: varchar(45),
    user_agent: text(),
  },
});

export const sagaExecutions = defineEntity({
  table: 'saga_executions',
  singular: 'saga_execution',
  description: 'One run of a distributed transaction (saga) across layers.',
  columns: {
    // The original's saga_name.
    saga_type: varchar(100).required().indexed(),
    correlation_id: varchar(255).indexed(),
    // pending, timeout: L11's saga states.
    status: oneOf(['pending', 'started', 'running', 'compensating', 'completed', 'failed', 'compensated', 'timeout'])
      .default('started')
      .indexed(),
    context: json().default({}),
    // The original's error_message.
    error: text(),
    completed_at: timestamp(),
    saga_id: varchar(255).unique().describe('The caller\'s id of the saga (L11: a uuid4 string).'),
    started_at: timestamp(),
    steps_total: integer(),
    steps_completed: integer().default(0),
    steps_failed: integer().default(0),
    current_step: varchar(255),
    compensation_mode: boolean().default(false),
    metadata: json().default({}),
  },
  statusTimestamps: { completed: 'completed_at', failed: 'completed_at', compensated: 'completed_at', timeout: 'completed_at' },
});

export const sagaSteps = defineEntity({
  table: 'saga_steps',
  singular: 'saga_step',
  description: 'One step of a saga execution, with its compensation state.',
  columns: {
    // Optional: L11 names its saga by the saga's business id (`saga_id`).
    saga_execution_id: ref('saga_executions'),
    step_name: varchar(255).required(),
    // The original's step_index, request, response and error_message.
    step_order: integer().required().range(0, 100_000),
    // executing: what L11 records while a step runs.
    status: oneOf(['pending', 'executing', 'running', 'completed', 'failed', 'compensating', 'compensated', 'skipped'])
      .default('pending')
      .indexed(),
    input: json(),
    output: json(),
    error: text(),
    started_at: timestamp(),
    completed_at: timestamp(),
    step_id: varchar(255).unique().describe('The caller\'s id of the step (L11: `<saga_id>-step-<n>`).'),
    saga_id: varchar(255).indexed().describe('The saga\'s business id (`saga_executions.saga_id`).'),
    service_id: varchar(255),
    compensation_executed: boolean().default(false),
    compensation_result: json(),
    retry_count: integer().default(0),
    metadata: json().default({}),
  },
  statusTimestamps: { running: 'started_at', executing: 'started_at', completed: 'completed_at', failed: 'completed_at' },
});

export const controlOperations = defineEntity({
  table: 'control_operations',
  singular: 'control_operation',
  description: 'An operator command against a platform object (pause, resume, restart, …).',
  columns: {
    // The original's command, user_id, target_agent_id and error_message.
    operation: varchar(100).required().indexed(),
    // Optional: L10 names a category of operation (`operation_type`), not a target type.
    target_type: varchar(50).indexed(),
    target_id: uuid().indexed(),
    requested_by: varchar(255).indexed(),
    // executing: L10's state of a command in flight.
    status: oneOf(['pending', 'executing', 'running', 'completed', 'failed', 'cancelled']).default('pending').indexed(),
    parameters: json().default({}),
    result: json(),
    error: text(),
    completed_at: timestamp(),
    operation_id: varchar(255).unique().describe('The caller\'s id of the operation (L10: `ctrl-<uuid>`).'),
    timestamp: timestamp(),
    operation_type: varchar(100).indexed(),
    target_agent_did: varchar(255),
    executed_at: timestamp(),
    metadata: json().default({}),
  },
  statusTimestamps: { completed: 'completed_at', failed: 'completed_at' },
});

export const toolExecutions = defineEntity({
  table: 'tool_executions',
  singular: 'tool_execution',
  description: 'One invocation of a tool: who called it, with what, the outcome and its timing.',
  columns: {
    // L03 names its tools (`tool_name`) without registering them: the original's routes find
    // or create the `tools` row (compat/resources), so every execution points at a tool.
    tool_id: ref('tools').required(),
    agent_id: ref('agents'),
    session_id: ref('sessions'),
    invocation_id: varchar(255).required().unique().describe('The caller\'s id of this invocation.'),
    // running, success, error, timeout, permission_denied, pending_approval: L03's states.
    status: oneOf(['pending', 'pending_approval', 'started', 'running', 'completed', 'success', 'failed', 'error', 'timeout', 'permission_denied', 'cancelled'])
      .default('pending')
      .indexed(),
    // The original's input_params, output_result and error_message.
    input: json().default({}),
    output: json(),
    error: text(),
    duration_ms: double().range(0, 1e10),
    started_at: timestamp(),
    completed_at: timestamp(),
    tool_name: varchar(255).indexed(),
    tool_version: varchar(50),
    agent_did: varchar(255),
    tenant_id: varchar(255).indexed(),
    session_ref: varchar(255).indexed().describe('The caller\'s session id, free text (the original\'s `session_id`).'),
    parent_sandbox_id: varchar(255),
    error_code: varchar(100),
    error_details: json(),
    retryable: boolean().default(false),
    cpu_used_millicore_seconds: bigint(),
    memory_peak_mb: integer(),
    network_bytes_sent: bigint(),
    network_bytes_received: bigint(),
    documents_accessed: json().default([]),
    checkpoints_created: json().default([]),
    checkpoint_ref: varchar(255),
    async_mode: boolean().default(false),
    priority: integer().default(5).range(1, 10),
    idempotency_key: varchar(255),
    require_approval: boolean().default(false),
    cpu_millicore_limit: integer(),
    memory_mb_limit: integer(),
    timeout_seconds: integer(),
  },
  statusTimestamps: {
    started: 'started_at', running: 'started_at',
    completed: 'completed_at', success: 'completed_at', failed: 'completed_at', error: 'completed_at',
    timeout: 'completed_at', permission_denied: 'completed_at', cancelled: 'completed_at',
  },
});

export const configEntries = defineEntity({
  table: 'config_entries',
  // Events are config_created / config_updated / config_deleted, as the config store names them.
  singular: 'config',
  description: 'One versioned configuration value, addressed by namespace and key (see /api/config).',
  columns: {
    namespace: varchar(100).required().indexed(),
    key: varchar(255).required(),
    value: json().required(),
    description: text(),
  },
  unique: [['namespace', 'key']],
});
