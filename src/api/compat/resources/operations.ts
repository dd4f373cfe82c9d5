/**
 * The original's records of L09 (API requests, authentication and rate-limit events), L10
 * (user interactions, control operations) and L11 (sagas, their steps, circuit-breaker and
 * service-registry events): ORIGINAL-L01-API.md 2.20–2.28.
 */
import { z } from 'zod';
import { findByKey } from '../../../db/domain/lookup.js';
import {
  apiRequests, authenticationEvents, circuitBreakerEvents, controlOperations as controlOperationEntity, rateLimitEvents,
  sagaExecutions as sagaExecutionEntity, sagaSteps as sagaStepEntity, serviceRegistryEvents, userInteractions as userInteractionEntity,
} from '../../../db/entities/operations.js';
import { defineResource } from '../resource.js';
import { booleanAs, uuidOrNull } from '../values.js';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const apiRequestRecords = defineResource({
  entity: apiRequests,
  path: '/api-requests',
  key: 'request_id',
  notFound: 'API request not found',
  rename: { latency_ms: 'duration_ms', consumer_id: 'caller', request_size_bytes: 'request_bytes', response_size_bytes: 'response_bytes' },
  required: ['request_id', 'trace_id', 'span_id', 'timestamp', 'method', 'path', 'status_code', 'latency_ms'],
  routes: {
    list: {
      filters: {
        consumer_id: 'caller', tenant_id: 'tenant_id', method: 'method', status_code: 'status_code',
        path_prefix: { column: 'path', op: 'prefix', schema: z.string() },
        start_time: { column: 'timestamp', op: 'gte' }, end_time: { column: 'timestamp', op: 'lte' },
      },
      order: [['timestamp', 'desc']],
    },
    get: true,
    create: true,
  },
});

export const authenticationEventRecords = defineResource({
  entity: authenticationEvents,
  path: '/authentication-events',
  key: 'event_id',
  notFound: 'Authentication event not found',
  rename: { consumer_id: 'principal', auth_method: 'method', failure_reason: 'reason', client_ip: 'source_ip' },
  values: { success: booleanAs('outcome', 'success', 'failure') },
  required: ['event_id', 'timestamp', 'auth_method', 'success'],
  routes: {
    list: {
      filters: { consumer_id: 'principal', auth_method: 'method', success: { column: 'outcome', schema: bool, store: (v) => (v ? 'success' : 'failure') } },
      order: [['timestamp', 'desc']],
    },
    get: true,
    create: true,
  },
});

export const rateLimitEventRecords = defineResource({
  entity: rateLimitEvents,
  path: '/rate-limit-events',
  key: 'event_id',
  notFound: 'Rate limit event not found',
  rename: { consumer_id: 'caller', tokens_limit: 'limit_value' },
  values: { exceeded: booleanAs('action', 'throttled', 'allowed', ['blocked']) },
  required: ['event_id', 'timestamp', 'consumer_id', 'rate_limit_tier', 'tokens_remaining', 'tokens_limit', 'window_start', 'window_end'],
  defaults: { exceeded: false },
  // The window the original gave by its two ends, as its length.
  prepare: (data) => {
    const ms = Date.parse(String(data.window_end)) - Date.parse(String(data.window_start));
    if (Number.isFinite(ms) && ms >= 1 && ms <= 2_147_483_647) data.window_ms ??= ms;
  },
  routes: {
    list: {
      filters: { consumer_id: 'caller', exceeded: { column: 'action', schema: bool, store: (v) => (v ? 'throttled' : 'allowed') } },
      order: [['timestamp', 'desc']],
    },
    get: true,
    create: true,
  },
});

export const userInteractions = defineResource({
  entity: userInteractionEntity,
  path: '/user-interactions',
  key: 'interaction_id',
  notFound: 'User interaction not found',
  rename: { session_id: 'session_ref' },
  required: ['interaction_id', 'timestamp', 'interaction_type', 'action'],
  routes: {
    list: { filters: { user_id: 'user_id', interaction_type: 'interaction_type', session_id: 'session_ref' }, order: [['timestamp', 'desc']] },
    get: true,
    create: true,
  },
});

export const controlOperations = defineResource({
  entity: controlOperationEntity,
  path: '/control-operations',
  key: 'operation_id',
  notFound: 'Control operation not found',
  rename: { command: 'operation', user_id: 'requested_by', error_message: 'error' },
  // Not a foreign key here: an agent L01 does not know is stored, not refused (the original 500'd, C15).
  values: { target_agent_id: uuidOrNull('target_id') },
  required: ['operation_id', 'timestamp', 'user_id', 'operation_type', 'command'],
  routes: {
    list: { filters: { user_id: 'requested_by', status: 'status', operation_type: 'operation_type' }, order: [['timestamp', 'desc']] },
    get: true,
    create: true,
    update: { empty: 'reject' },
  },
});

export const sagaExecutions = defineResource({
  entity: sagaExecutionEntity,
  path: '/saga-executions',
  key: 'saga_id',
  notFound: 'Saga execution not found',
  rename: { saga_name: 'saga_type', error_message: 'error' },
  required: ['saga_id', 'saga_name', 'started_at', 'steps_total'],
  defaults: { status: 'running' },
  routes: {
    list: { filters: { status: 'status', saga_name: 'saga_type' }, order: [['started_at', 'desc']] },
    get: true,
    create: true,
    update: { empty: 'reject' },
  },
});

export const sagaSteps = defineResource({
  entity: sagaStepEntity,
  path: '/saga-steps',
  key: 'step_id',
  notFound: 'Saga step not found',
  rename: { step_index: 'step_order', request: 'input', response: 'output', error_message: 'error' },
  required: ['step_id', 'saga_id', 'step_name', 'step_index', 'service_id'],
  // The step of a saga L01 knows points at it, so /api/saga_executions/{id}/saga_steps lists it.
  prepare: async (data, _inputs, ctx) => {
    data.saga_execution_id ??= (await findByKey(ctx.db, sagaExecutionEntity, { saga_id: data.saga_id }))?.id;
  },
  routes: {
    list: { filters: { saga_id: 'saga_id', status: 'status' }, order: [['saga_id', 'asc'], ['step_order', 'asc']] },
    get: true,
    create: true,
    update: { empty: 'reject' },
  },
});

export const circuitBreakerEventRecords = defineResource({
  entity: circuitBreakerEvents,
  path: '/circuit-breaker-events',
  key: 'event_id',
  notFound: 'Circuit breaker event not found',
  rename: { service_id: 'service_name', state_to: 'state', state_from: 'previous_state', error_message: 'reason' },
  required: ['event_id', 'timestamp', 'service_id', 'circuit_name', 'event_type', 'state_to'],
  routes: {
    list: {
      filters: { service_id: 'service_name', circuit_name: 'circuit_name', event_type: 'event_type', state_to: 'state' },
      order: [['timestamp', 'desc']],
    },
    get: true,
    create: true,
  },
});

export const serviceRegistryEventRecords = defineResource({
  entity: serviceRegistryEvents,
  path: '/service-registry-events',
  key: 'event_id',
  notFound: 'Service registry event not found',
  rename: { service_id: 'service_name', event_type: 'action', host: 'address', health_status: 'health' },
  required: ['event_id', 'timestamp', 'service_id', 'event_type'],
  routes: {
    list: { filters: { service_id: 'service_name', event_type: 'action', layer: 'layer' }, order: [['timestamp', 'desc']] },
    get: true,
    create: true,
  },
});
