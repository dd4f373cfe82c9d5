import { integer, json, oneOf, ref, text, timestamp, varchar } from '../columns.js';
import { defineEntity } from '../entity.js';

/** Agents, what they pursue and how they work: the spine of the platform. */

export const agents = defineEntity({
  table: 'agents',
  singular: 'agent',
  description: 'An autonomous agent registered on the platform.',
  columns: {
    name: varchar(255).required(),
    agent_type: varchar(50).required().indexed(),
    status: oneOf(['active', 'inactive', 'paused', 'error', 'terminated']).default('active').indexed(),
    capabilities: json().default([]),
    configuration: json().default({}),
  },
});

export const goals = defineEntity({
  table: 'goals',
  singular: 'goal',
  description: 'Something an agent is asked to achieve.',
  columns: {
    agent_id: ref('agents').required(),
    description: text().required(),
    priority: integer().default(0).range(-1000, 1000).indexed(),
    status: oneOf(['pending', 'active', 'completed', 'failed', 'cancelled']).default('pending').indexed(),
    completed_at: timestamp(),
  },
  statusTimestamps: { completed: 'completed_at' },
});

export const plans = defineEntity({
  table: 'plans',
  singular: 'plan',
  description: 'An ordered list of steps towards a goal.',
  columns: {
    goal_id: ref('goals').required(),
    name: varchar(255).required(),
    description: text(),
    status: oneOf(['draft', 'active', 'completed', 'failed', 'cancelled']).default('draft').indexed(),
    steps: json().default([]),
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
    status: oneOf(['active', 'idle', 'ended', 'expired']).default('active').indexed(),
    context: json().default({}),
    expires_at: timestamp(),
    ended_at: timestamp(),
  },
  statusTimestamps: { ended: 'ended_at' },
});
