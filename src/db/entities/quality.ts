import { boolean, double, integer, json, oneOf, ref, text, timestamp, uuid, varchar } from '../columns.js';
import { defineEntity } from '../entity.js';

/** How well agents do: evaluations, feedback, metrics and what goes wrong. */

const severity = ['low', 'medium', 'high', 'critical'] as const;

export const evaluations = defineEntity({
  table: 'evaluations',
  singular: 'evaluation',
  description: 'A scored evaluation of an agent or model on a metric.',
  columns: {
    agent_id: ref('agents'),
    model_id: ref('models'),
    dataset_id: ref('datasets'),
    metric: varchar(100).required().indexed(),
    score: double(),
    status: oneOf(['pending', 'running', 'completed', 'failed']).default('pending').indexed(),
    details: json().default({}),
    completed_at: timestamp(),
  },
  statusTimestamps: { completed: 'completed_at', failed: 'completed_at' },
  // Per-agent score statistics by metric are an index-only scan of this index.
  indexes: [['agent_id', 'metric', 'score']],
});

export const feedback = defineEntity({
  table: 'feedback',
  singular: 'feedback',
  description: 'Feedback from a user on an agent, a session or a task.',
  columns: {
    agent_id: ref('agents'),
    session_id: ref('sessions'),
    task_id: ref('tasks'),
    feedback_type: oneOf(['thumbs', 'rating', 'correction', 'comment']).default('rating').indexed(),
    rating: integer().range(-1, 5),
    comment: text(),
    processed: boolean().default(false).indexed(),
    metadata: json().default({}),
  },
  // The unprocessed queue, oldest first, is one index range.
  indexes: [['processed', 'created_at']],
});

export const metrics = defineEntity({
  table: 'metrics',
  singular: 'metric',
  description: 'One measured value of a named metric.',
  columns: {
    name: varchar(255).required().indexed(),
    value: double().required(),
    unit: varchar(50),
    agent_id: ref('agents'),
    labels: json().default({}),
    recorded_at: timestamp().indexed(),
  },
  // Time-bucketed aggregates of one metric are index-only range scans of this index:
  // (name, recorded_at) for measured times, (name, NULL, created_at) for the others.
  indexes: [['name', 'recorded_at', 'created_at', 'value']],
});

export const anomalies = defineEntity({
  table: 'anomalies',
  singular: 'anomaly',
  description: 'A detected deviation from expected behaviour.',
  columns: {
    agent_id: ref('agents'),
    metric_name: varchar(255).indexed(),
    severity: oneOf(severity).required().indexed(),
    status: oneOf(['open', 'acknowledged', 'resolved']).default('open').indexed(),
    description: text(),
    expected_value: double(),
    observed_value: double(),
    score: double(),
    details: json().default({}),
    resolved_at: timestamp(),
  },
  statusTimestamps: { resolved: 'resolved_at' },
});

export const alerts = defineEntity({
  table: 'alerts',
  singular: 'alert',
  description: 'A notification raised for operators, often from an anomaly.',
  columns: {
    anomaly_id: ref('anomalies'),
    title: varchar(255).required(),
    message: text(),
    severity: oneOf(severity).required().indexed(),
    status: oneOf(['firing', 'acknowledged', 'resolved']).default('firing').indexed(),
    source: varchar(100).indexed(),
    labels: json().default({}),
    acknowledged_at: timestamp(),
    resolved_at: timestamp(),
  },
  statusTimestamps: { acknowledged: 'acknowledged_at', resolved: 'resolved_at' },
});

export const qualityScores = defineEntity({
  table: 'quality_scores',
  singular: 'quality_score',
  description: 'A quality score along one dimension for any platform object.',
  columns: {
    target_type: varchar(50).required().indexed(),
    target_id: uuid().required().indexed(),
    agent_id: ref('agents'),
    dimension: varchar(100).required().indexed(),
    score: double().required(),
    scorer: varchar(100),
    details: json().default({}),
  },
});

export const complianceResults = defineEntity({
  table: 'compliance_results',
  singular: 'compliance_result',
  description: 'The outcome of checking an object against a compliance policy.',
  columns: {
    agent_id: ref('agents'),
    policy: varchar(255).required().indexed(),
    target_type: varchar(50).indexed(),
    target_id: uuid().indexed(),
    status: oneOf(['passed', 'failed', 'warning', 'error']).required().indexed(),
    findings: json().default([]),
    checked_at: timestamp(),
  },
});
