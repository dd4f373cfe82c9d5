/**
 * The original's evaluations, feedback, quality scores, metrics, anomalies, compliance
 * results and alerts (ORIGINAL-L01-API.md 2.9, 2.10, 2.15–2.19).
 */
import { z } from 'zod';
import { alerts as alertEntity, anomalies as anomalyEntity, complianceResults, evaluations as evaluationEntity, feedback as feedbackEntity, metrics as metricEntity, qualityScores as qualityScoreEntity } from '../../../db/entities/quality.js';
import { defineResource } from '../resource.js';
import { booleanAs } from '../values.js';

export const evaluations = defineResource({
  entity: evaluationEntity,
  path: '/evaluations',
  key: 'id',
  notFound: 'Evaluation not found',
  rename: { evaluation_type: 'metric', metrics: 'details' },
  required: ['agent_id', 'evaluation_type'],
  routes: {
    list: { filters: { agent_id: 'agent_id' }, order: [['created_at', 'desc']], offset: false },
    get: true,
    create: true,
  },
});

export const feedbackEntries = defineResource({
  entity: feedbackEntity,
  path: '/feedback',
  key: 'id',
  notFound: 'Feedback not found',
  rename: { content: 'comment' },
  required: ['agent_id', 'feedback_type', 'content'],
  routes: {
    list: [
      { filters: { agent_id: 'agent_id' }, order: [['created_at', 'desc']], offset: false },
      // What nobody has processed yet, oldest first.
      { path: '/feedback/unprocessed', where: { processed: false }, order: [['created_at', 'asc']], offset: false },
    ],
    get: true,
    create: true,
    update: { empty: 'current' },
  },
});

export const qualityScores = defineResource({
  entity: qualityScoreEntity,
  path: '/quality-scores',
  key: 'score_id',
  notFound: 'Quality score not found',
  rename: { overall_score: 'score', dimensions: 'details' },
  required: ['score_id', 'agent_did', 'tenant_id', 'timestamp', 'overall_score', 'assessment'],
  routes: {
    list: { filters: { agent_id: 'agent_id', tenant_id: 'tenant_id', assessment: 'assessment' }, order: [['timestamp', 'desc']] },
    get: true,
    create: true,
  },
});

/**
 * `GET /metrics` is the Prometheus endpoint too: with `metric_name` it is this list (the API's
 * metrics plugin hands it over, api/metrics/index.ts).
 */
export const metricRecords = defineResource({
  entity: metricEntity,
  path: '/metrics',
  key: 'id',
  notFound: 'Metric not found',
  rename: { metric_name: 'name', timestamp: 'recorded_at' },
  required: ['metric_name', 'value', 'timestamp'],
  routes: {
    list: {
      mounted: 'elsewhere',
      filters: {
        metric_name: 'name', agent_id: 'agent_id', tenant_id: 'tenant_id',
        start_time: { column: 'recorded_at', op: 'gte' },
        end_time: { column: 'recorded_at', op: 'lte' },
      },
      order: [['recorded_at', 'desc']],
      offset: false,
      limit: { default: 1000, max: 10_000 },
    },
    create: true,
  },
});

export const anomalies = defineResource({
  entity: anomalyEntity,
  path: '/anomalies',
  key: 'anomaly_id',
  notFound: 'Anomaly not found',
  rename: { baseline_value: 'expected_value', current_value: 'observed_value', z_score: 'score' },
  required: ['anomaly_id', 'metric_name', 'severity', 'baseline_value', 'current_value', 'z_score', 'detected_at'],
  defaults: { confidence: 0.95, status: 'alerting' },
  routes: {
    list: {
      filters: { metric_name: 'metric_name', severity: 'severity', status: 'status', agent_id: 'agent_id', tenant_id: 'tenant_id' },
      order: [['detected_at', 'desc']],
    },
    get: true,
    create: true,
    update: { empty: 'reject' },
  },
});

export const complianceResultRecords = defineResource({
  entity: complianceResults,
  path: '/compliance-results',
  key: 'result_id',
  notFound: 'Compliance result not found',
  rename: { timestamp: 'checked_at', violations: 'findings' },
  values: { compliant: booleanAs('status', 'passed', 'failed', ['warning']) },
  required: ['result_id', 'execution_id', 'agent_did', 'tenant_id', 'timestamp', 'compliant'],
  routes: {
    list: {
      filters: {
        execution_id: 'execution_id', agent_id: 'agent_id', tenant_id: 'tenant_id',
        compliant: { column: 'status', schema: z.enum(['true', 'false']).transform((v) => v === 'true'), store: (v) => (v ? 'passed' : 'failed') },
      },
      order: [['checked_at', 'desc']],
    },
    get: true,
    create: true,
  },
});

export const alerts = defineResource({
  entity: alertEntity,
  path: '/alerts',
  key: 'alert_id',
  notFound: 'Alert not found',
  rename: { type: 'alert_type' },
  required: ['alert_id', 'timestamp', 'severity', 'type', 'metric', 'message'],
  routes: {
    list: {
      filters: { severity: 'severity', alert_type: 'alert_type', delivered: 'delivered', agent_id: 'agent_id', tenant_id: 'tenant_id' },
      order: [['timestamp', 'desc']],
    },
    get: true,
    create: true,
    update: { empty: 'reject' },
  },
});
