import { double, integer, json, oneOf, ref, text, timestamp, uuid, varchar } from '../columns.js';
import { defineEntity } from '../entity.js';

/** What the platform itself does: requests, security, resilience and orchestration. */

export const apiRequests = defineEntity({
  table: 'api_requests',
  singular: 'api_request',
  description: 'A logged API request made by or to an agent.',
  columns: {
    request_id: varchar(100).indexed(),
    method: oneOf(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).required(),
    path: varchar(2048).required(),
    status_code: integer().range(100, 599).indexed(),
    duration_ms: double(),
    caller: varchar(255).indexed(),
    agent_id: ref('agents'),
    request_bytes: integer().range(0, 2_147_483_647),
    response_bytes: integer().range(0, 2_147_483_647),
    metadata: json().default({}),
  },
});

export const rateLimitEvents = defineEntity({
  table: 'rate_limit_events',
  singular: 'rate_limit_event',
  description: 'A rate limiter decision for a caller or key.',
  columns: {
    bucket_key: varchar(255).required().indexed(),
    caller: varchar(255).indexed(),
    limit_value: integer().required().range(0, 2_147_483_647),
    window_ms: integer().required().range(1, 2_147_483_647),
    current_count: integer().range(0, 2_147_483_647),
    action: oneOf(['allowed', 'throttled', 'blocked']).required().indexed(),
    metadata: json().default({}),
  },
});

export const authenticationEvents = defineEntity({
  table: 'authentication_events',
  singular: 'authentication_event',
  description: 'An authentication attempt and its outcome.',
  columns: {
    principal: varchar(255).indexed(),
    method: oneOf(['api_key', 'jwt', 'oauth', 'mtls', 'session']).required(),
    outcome: oneOf(['success', 'failure', 'revoked', 'expired']).required().indexed(),
    reason: text(),
    source_ip: varchar(45),
    user_agent: varchar(1000),
    metadata: json().default({}),
  },
});

const breakerStates = ['closed', 'open', 'half_open'] as const;

export const circuitBreakerEvents = defineEntity({
  table: 'circuit_breaker_events',
  singular: 'circuit_breaker_event',
  description: 'A circuit breaker state transition for a downstream service.',
  columns: {
    service_name: varchar(255).required().indexed(),
    state: oneOf(breakerStates).required().indexed(),
    previous_state: oneOf(breakerStates),
    failure_count: integer().default(0).range(0, 2_147_483_647),
    reason: text(),
    metadata: json().default({}),
  },
});

export const serviceRegistryEvents = defineEntity({
  table: 'service_registry_events',
  singular: 'service_registry_event',
  description: 'A service instance registering, leaving or changing health.',
  columns: {
    service_name: varchar(255).required().indexed(),
    instance_id: varchar(255).required().indexed(),
    action: oneOf(['registered', 'deregistered', 'heartbeat', 'health_changed']).required().indexed(),
    health: oneOf(['healthy', 'degraded', 'unhealthy', 'unknown']).default('unknown'),
    address: varchar(255),
    port: integer().range(1, 65535),
    metadata: json().default({}),
  },
});

export const userInteractions = defineEntity({
  table: 'user_interactions',
  singular: 'user_interaction',
  description: 'One interaction of a user with an agent.',
  columns: {
    user_id: varchar(255).required().indexed(),
    session_id: ref('sessions'),
    agent_id: ref('agents'),
    interaction_type: varchar(100).required().indexed(),
    content: text(),
    response: text(),
    latency_ms: double(),
    metadata: json().default({}),
  },
});

export const sagaExecutions = defineEntity({
  table: 'saga_executions',
  singular: 'saga_execution',
  description: 'One run of a distributed transaction (saga) across layers.',
  columns: {
    saga_type: varchar(100).required().indexed(),
    correlation_id: varchar(255).indexed(),
    status: oneOf(['started', 'running', 'compensating', 'completed', 'failed', 'compensated'])
      .default('started')
      .indexed(),
    context: json().default({}),
    error: text(),
    completed_at: timestamp(),
  },
  statusTimestamps: { completed: 'completed_at', failed: 'completed_at', compensated: 'completed_at' },
});

export const sagaSteps = defineEntity({
  table: 'saga_steps',
  singular: 'saga_step',
  description: 'One step of a saga execution, with its compensation state.',
  columns: {
    saga_execution_id: ref('saga_executions').required(),
    step_name: varchar(255).required(),
    step_order: integer().required().range(0, 100_000),
    status: oneOf(['pending', 'running', 'completed', 'failed', 'compensating', 'compensated', 'skipped'])
      .default('pending')
      .indexed(),
    input: json(),
    output: json(),
    error: text(),
    started_at: timestamp(),
    completed_at: timestamp(),
  },
  statusTimestamps: { running: 'started_at', completed: 'completed_at', failed: 'completed_at' },
});

export const controlOperations = defineEntity({
  table: 'control_operations',
  singular: 'control_operation',
  description: 'An operator command against a platform object (pause, resume, restart, …).',
  columns: {
    operation: varchar(100).required().indexed(),
    target_type: varchar(50).required().indexed(),
    target_id: uuid().indexed(),
    requested_by: varchar(255),
    status: oneOf(['pending', 'running', 'completed', 'failed', 'cancelled']).default('pending').indexed(),
    parameters: json().default({}),
    result: json(),
    error: text(),
    completed_at: timestamp(),
  },
  statusTimestamps: { completed: 'completed_at', failed: 'completed_at' },
});

export const toolExecutions = defineEntity({
  table: 'tool_executions',
  singular: 'tool_execution',
  description: 'One invocation of a tool: who called it, with what, the outcome and its timing.',
  columns: {
    tool_id: ref('tools').required(),
    agent_id: ref('agents'),
    session_id: ref('sessions'),
    invocation_id: varchar(255).required().unique().describe('The caller\'s id of this invocation.'),
    status: oneOf(['pending', 'started', 'completed', 'failed', 'cancelled']).default('pending').indexed(),
    input: json().default({}),
    output: json(),
    error: text(),
    duration_ms: double().range(0, 1e10),
    started_at: timestamp(),
    completed_at: timestamp(),
  },
  statusTimestamps: { started: 'started_at', completed: 'completed_at', failed: 'completed_at', cancelled: 'completed_at' },
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
