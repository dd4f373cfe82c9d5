import { bigint, boolean, double, integer, json, oneOf, ref, tags, text, timestamp, varchar } from '../columns.js';
import { defineEntity } from '../entity.js';

/**
 * Agents, what they pursue and how they work: the spine of the platform.
 *
 * The columns named after the original service's fields (`did`, `goal_id`, `constraints_*`,
 * `plan_id`, `session_type`, …) are what its callers send and read through the original
 * routes (src/api/compat/); the `/api` routes show them too. Closed value sets include the
 * original's values where they are states of their own (an agent `busy` is not `active`),
 * so a value written through either surface reads back as written.
 */

export const agents = defineEntity({
  table: 'agents',
  singular: 'agent',
  description: 'An autonomous agent registered on the platform.',
  columns: {
    name: varchar(255).required().notBlank(),
    agent_type: varchar(50).required().indexed(),
    // created, idle, busy, suspended: the original's lifecycle (L09, L10 read them).
    status: oneOf(['created', 'active', 'idle', 'busy', 'inactive', 'paused', 'suspended', 'error', 'terminated']).default('active').indexed(),
    capabilities: json().default([]),
    configuration: json().default({}),
    did: varchar(255).unique().describe('Decentralised id `did:agent:<name>:<8 hex>`; set by the original routes on create.'),
    metadata: json().default({}),
    resource_limits: json().default({}),
  },
});

export const goals = defineEntity({
  table: 'goals',
  singular: 'goal',
  description: 'Something an agent is asked to achieve.',
  columns: {
    // Optional: L05 records goals for agents that L01 does not know.
    agent_id: ref('agents'),
    description: text().required(),
    priority: integer().default(0).range(-1000, 1000).indexed(),
    // decomposing, ready: L05's planning states.
    status: oneOf(['pending', 'decomposing', 'ready', 'active', 'completed', 'failed', 'cancelled']).default('pending').indexed(),
    completed_at: timestamp(),
    goal_id: varchar(255).unique().describe('The caller\'s id of the goal (L05: a uuid4 string).'),
    agent_did: varchar(255).indexed(),
    goal_type: varchar(50).default('compound'),
    constraints_max_token_budget: integer(),
    constraints_max_execution_time_sec: integer(),
    constraints_max_parallelism: integer().default(10),
    constraints_deadline_unix_ms: bigint(),
    constraints_require_approval: boolean().default(false),
    constraints_allowed_agent_types: tags(),
    constraints_forbidden_tools: tags(),
    constraints_cost_limit_usd: double(),
    metadata: json().default({}),
    parent_goal_id: varchar(255),
    decomposition_strategy: varchar(50),
  },
  statusTimestamps: { completed: 'completed_at' },
});

export const plans = defineEntity({
  table: 'plans',
  singular: 'plan',
  description: 'An ordered list of steps towards a goal.',
  columns: {
    // Optional: L05 names its goal by the goal's business id (`goal_ref`).
    goal_id: ref('goals'),
    // Optional: no caller of the original sends a name.
    name: varchar(255),
    description: text(),
    // pending, validated, executing: L05's plan states.
    status: oneOf(['draft', 'pending', 'validated', 'active', 'executing', 'completed', 'failed', 'cancelled']).default('draft').indexed(),
    steps: json().default([]),
    plan_id: varchar(255).unique().describe('The caller\'s id of the plan.'),
    goal_ref: varchar(255).indexed().describe('The goal\'s business id (`goals.goal_id`), as the original stored it: the `goal_id` of the original routes.'),
    agent_id: ref('agents'),
    dependency_graph: json().default({}),
    resource_budget: json(),
    validated_at: timestamp(),
    execution_started_at: timestamp(),
    execution_completed_at: timestamp(),
    signature: varchar(255),
    decomposition_strategy: varchar(50).default('hybrid'),
    decomposition_latency_ms: double(),
    cache_hit: boolean().default(false),
    llm_provider: varchar(100),
    llm_model: varchar(255),
    total_tokens_used: integer().default(0),
    validation_time_ms: double(),
    execution_time_ms: double(),
    parallelism_achieved: integer().default(1),
    tags: tags(),
    metadata: json().default({}),
    error: text(),
    completed_task_count: integer().default(0),
    failed_task_count: integer().default(0),
  },
});

export const tasks = defineEntity({
  table: 'tasks',
  singular: 'task',
  description: 'A unit of work an agent executes, usually one step of a plan.',
  columns: {
    plan_id: ref('plans'),
    agent_id: ref('agents'),
    name: varchar(255).required(),
    description: text(),
    status: oneOf(['pending', 'started', 'completed', 'failed', 'cancelled']).default('pending').indexed(),
    priority: integer().default(0).range(-1000, 1000),
    input: json().default({}),
    output: json(),
    error: text(),
    started_at: timestamp(),
    completed_at: timestamp(),
  },
  statusTimestamps: { started: 'started_at', completed: 'completed_at', failed: 'completed_at' },
});

export const sessions = defineEntity({
  table: 'sessions',
  singular: 'session',
  description: 'A conversation or working session between a user and an agent.',
  columns: {
    agent_id: ref('agents'),
    user_id: varchar(255).indexed(),
    // paused, completed, crashed: L02's runtime states.
    status: oneOf(['active', 'idle', 'paused', 'ended', 'completed', 'crashed', 'expired']).default('active').indexed(),
    context: json().default({}),
    expires_at: timestamp(),
    ended_at: timestamp(),
    session_type: varchar(100).default('conversation'),
    checkpoint: json(),
    runtime_backend: oneOf(['local', 'kubernetes', 'unknown']),
    runtime_metadata: json().default({}),
  },
  statusTimestamps: { ended: 'ended_at', completed: 'ended_at', crashed: 'ended_at' },
});
