/** The original's agents, goals, plans and sessions (ORIGINAL-L01-API.md 2.3, 2.6, 2.7, 2.12). */
import { randomBytes } from 'node:crypto';
import { agents as agentEntity, goals as goalEntity, plans as planEntity, sessions as sessionEntity } from '../../../db/entities/planning.js';
import { defineResource } from '../resource.js';

export const agents = defineResource({
  entity: agentEntity,
  path: '/agents',
  key: 'id',
  notFound: 'Agent not found',
  required: ['name'],
  defaults: { agent_type: 'general', status: 'created' },
  // The original made the did from the name and 8 random hex digits.
  prepare: (data) => {
    data.did ??= `did:agent:${String(data.name)}:${randomBytes(4).toString('hex')}`;
  },
  routes: {
    list: { filters: { status: 'status' }, order: [['created_at', 'desc']] },
    get: true,
    create: true,
    update: { empty: 'current' },
    delete: true,
  },
});

export const goals = defineResource({
  entity: goalEntity,
  path: '/goals',
  key: 'goal_id',
  notFound: 'Goal not found',
  rename: { goal_text: 'description', constraints_priority: 'priority' },
  nested: { constraints: 'constraints_' },
  required: ['goal_id', 'agent_did', 'goal_text'],
  defaults: { constraints_priority: 5 },
  routes: {
    list: { filters: { agent_id: 'agent_id', agent_did: 'agent_did', status: 'status' }, order: [['created_at', 'desc']] },
    get: true,
    create: true,
    update: { empty: 'current' },
  },
});

export const plans = defineResource({
  entity: planEntity,
  path: '/plans',
  key: 'plan_id',
  notFound: 'Plan not found',
  rename: { goal_id: 'goal_ref', tasks: 'steps' },
  // The original's plans point at their goal by its business id; the uuid goal_id is /api's.
  hidden: ['goal_id'],
  required: ['plan_id', 'goal_id'],
  routes: {
    list: { filters: { goal_id: 'goal_ref', agent_id: 'agent_id', status: 'status' }, order: [['created_at', 'desc']] },
    get: true,
    create: true,
    update: { empty: 'reject' },
  },
});

export const sessions = defineResource({
  entity: sessionEntity,
  path: '/sessions',
  key: 'id',
  notFound: 'Session not found',
  required: ['agent_id'],
  routes: {
    list: { filters: { agent_id: 'agent_id' }, order: [['created_at', 'desc']], offset: false },
    get: true,
    create: true,
    update: { empty: 'current' },
  },
});
