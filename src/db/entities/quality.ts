import { boolean, double, integer, json, oneOf, ref, tags, text, timestamp, uuid, varchar } from '../columns.js';
import { defineEntity } from '../entity.js';

/**
 * How well agents do: evaluations, feedback, metrics and what goes wrong. Columns named
 * after the original service's fields serve its callers (see planning.ts).
 */

// info and warning: L06's severities, beside ours.
const severity = ['info', 'low', 'warning', 'medium', 'high', 'critical'] as const;

export const evaluations = defineEntity({
  table: 'evaluations',
  singular: 'evaluation',
  description: 'A scored evaluation of an agent or model on a metric.',
  columns: {
    agent_id: ref('agents'),
    model_id: ref('models'),
    dataset_id: ref('datasets'),
    // The original's `evaluation_type`.
    metric: varchar(100).required().indexed(),
    score: double(),
    status: oneOf(['pending', 'running', 'completed', 'failed']).default('pending').indexed(),
    // The original's `metrics`.
    details: json().default({}),
    completed_at: timestamp(),
    task_id: ref('tasks'),
    feedback: text(),
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
    // Free text, as in the original: callers name their own kinds of feedback.
    feedback_type: varchar(100).default('rating').indexed(),
    rating: integer().range(-1, 5),
    // The original's `content`.
    comment: text(),
    processed: boolean().default(false).indexed(),
    metadata: json().default({}),
  },
  // The unprocessed queue, oldest first, is one index range; it is also the `processed`
  // filter's page index (table.ts), so that column needs no other.
  indexes: [['processed', 'created_at', 'id']],
});

export const metrics = defineEntity({
  table: 'metrics',
  singular: 'metric',
  description: 'One measured value of a named metric.',
  columns: {
    // The original's `metric_name`.
    name: varchar(255).required().indexed(),
    value: double().required(),
    unit: varchar(50),
    agent_id: ref('agents'),
    labels: json().default({}),
    // The original's `timestamp`.
    recorded_at: timestamp().indexed(),
    metric_type: varchar(50).default('gauge'),
    tenant_id: varchar(255).indexed(),
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
    // alerting: L06's state of an anomaly that raised an alert.
    status: oneOf(['open', 'alerting', 'acknowledged', 'resolved']).default('open').indexed(),
    description: text(),
    // The original's baseline_value, current_value and z_score.
    expected_value: double(),
    observed_value: double(),
    score: double(),
    details: json().default({}),
    resolved_at: timestamp(),
    anomaly_id: varchar(255).unique().describe('The caller\'s id of the anomaly (L06: `anom-<uuid>`).'),
    deviation_percent: double(),
    confidence: double(),
    detected_at: timestamp(),
    alert_sent: boolean().default(false),
    agent_did: varchar(255),
    tenant_id: varchar(255).indexed(),
  },
  statusTimestamps: { resolved: 'resolved_at' },
});

export const alerts = defineEntity({
  table: 'alerts',
  singular: 'alert',
  description: 'A notification raised for operators, often from an anomaly.',
  columns: {
    anomaly_id: ref('anomalies'),
    // Optional: L06 names the metric, not a title.
    title: varchar(255),
    message: text(),
    severity: oneOf(severity).required().indexed(),
    status: oneOf(['firing', 'acknowledged', 'resolved']).default('firing').indexed(),
    source: varchar(100).indexed(),
    labels: json().default({}),
    acknowledged_at: timestamp(),
    resolved_at: timestamp(),
    alert_id: varchar(255).unique().describe('The caller\'s id of the alert (L06: `alert-<uuid>`).'),
    timestamp: timestamp(),
    alert_type: varchar(100).indexed().describe('The original\'s `type`.'),
    metric: varchar(255),
    channels: tags(),
    delivery_attempts: integer().default(0),
    delivered: boolean().default(false).indexed(),
    last_attempt: timestamp(),
    agent_id: ref('agents'),
    agent_did: varchar(255),
    tenant_id: varchar(255).indexed(),
    metadata: json().default({}),
  },
  statusTimestamps: { acknowledged: 'acknowledged_at', resolved: 'resolved_at' },
});

export const qualityScores = defineEntity({
  table: 'quality_scores',
  singular: 'quality_score',
  description: 'A quality score along one dimension for any platform object.',
  columns: {
    // Optional: L06 scores an agent as a whole (overall score, its dimensions in `details`).
    target_type: varchar(50).indexed(),
    target_id: uuid().indexed(),
    agent_id: ref('agents'),
    dimension: varchar(100).indexed(),
    // The original's `overall_score`.
    score: double().required(),
    scorer: varchar(100),
    // The original's `dimensions`.
    details: json().default({}),
    score_id: varchar(255).unique().describe('The caller\'s id of the score (L06: a uuid4 string).'),
    agent_did: varchar(255),
    tenant_id: varchar(255).indexed(),
    timestamp: timestamp(),
    assessment: varchar(50).indexed(),
    data_completeness: double().default(1),
    cached: boolean().default(false),
    metadata: json().default({}),
  },
});

export const complianceResults = defineEntity({
  table: 'compliance_results',
  singular: 'compliance_result',
  description: 'The outcome of checking an object against a compliance policy.',
  columns: {
    agent_id: ref('agents'),
    // Optional: L06 checks an execution against its constraints, not a named policy.
    policy: varchar(255).indexed(),
    target_type: varchar(50).indexed(),
    target_id: uuid().indexed(),
    // The original's `compliant`: true ↔ passed, false ↔ failed (compat/resources).
    status: oneOf(['passed', 'failed', 'warning', 'error']).required().indexed(),
    // The original's `violations`.
    findings: json().default([]),
    // The original's `timestamp`.
    checked_at: timestamp(),
    result_id: varchar(255).unique().describe('The caller\'s id of the result (`comp-<uuid>`).'),
    execution_id: varchar(255).indexed(),
    agent_did: varchar(255),
    tenant_id: varchar(255).indexed(),
    constraints_checked: json().default([]),
  },
});
