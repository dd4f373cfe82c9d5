/**
 * Section 5.2, L06 evaluation: `platform/src/L06_evaluation/services/l01_bridge.py` (shared
 * client, no key), with the values L06's services produce: quality scores on L06's 0–100 scale
 * (`models/quality_score.py:83`, `determine_assessment` ≥ 80 → "Good"), metric timestamps from
 * CloudEvents (aware UTC), severities `info/warning/critical`, anomaly status `alerting`.
 * L06 passes its own agent id as `agent_did` and no L01 agent_id.
 */
import type { CallerCase } from '../support/harness.js';
import { callJson, pyAwareUtcNow, pyUtcNow, uuid4 } from '../support/python.js';
import { sharedReq } from '../support/shared-client.js';

const BRIDGE = 'platform/src/L06_evaluation/services/l01_bridge.py';

export const l06Cases: CallerCase[] = [
  {
    id: 'L06.record_quality_score',
    source: `${BRIDGE}:80`,
    section: '5.2',
    auth: 'none',
    // L06 scores 0–100 (quality_score.py:31,83, quality_scorer.py: sum of score × weight). The
    // original's overall_score column is DECIMAL(5,4) (|x| < 10, 2.15): every "Good" score (≥ 80)
    // overflowed → 500. The intended contract stores what L06 sends.
    originalWorked: false,
    async run(ctx) {
      await callJson(
        ctx.send,
        sharedReq.recordQualityScore({
          score_id: uuid4(),
          agent_did: 'agent-123',
          tenant_id: 'tenant-456',
          timestamp: pyUtcNow(-3_600_000),
          overall_score: 86.35,
          assessment: 'Good',
          dimensions: {
            accuracy: { dimension: 'accuracy', score: 95.0, weight: 0.3, raw_metrics: { correct: 95, total: 100 } },
            latency: { dimension: 'latency', score: 78.0, weight: 0.2, raw_metrics: { avg_ms: 120, p95_ms: 200 } },
            cost: { dimension: 'cost', score: 92.0, weight: 0.15, raw_metrics: { total_cost: 0.05 } },
            reliability: { dimension: 'reliability', score: 88.0, weight: 0.2, raw_metrics: { error_rate: 0.02 } },
            compliance: { dimension: 'compliance', score: 74.0, weight: 0.15, raw_metrics: { violations: 1 } },
          },
          data_completeness: 1.0,
          cached: false,
          metadata: {},
        }),
      );
    },
  },
  {
    id: 'L06.record_metric',
    source: `${BRIDGE}:125`,
    section: '5.2',
    auth: 'none',
    // C14: the CloudEvent time is aware (`datetime.now(UTC)`): 500 on the original; accepted now.
    originalWorked: false,
    async run(ctx) {
      const taskId = `task-${uuid4()}`;
      const labels = { task_id: taskId, agent_id: 'agent-789', tenant_id: 'tenant-metrics' };
      await callJson(ctx.send, sharedReq.recordMetric({ metric_name: 'task_duration_seconds', value: 2.417, timestamp: pyAwareUtcNow(), metric_type: 'gauge', labels, tenant_id: labels.tenant_id }));
    },
  },
  {
    id: 'L06.record_anomaly',
    source: `${BRIDGE}:162`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const anomalyId = `anom-${uuid4()}`;
      ctx.remember('L06.anomaly', anomalyId);
      // A quality-score anomaly (anomaly_detector.py): deviation computed in __post_init__.
      const baseline = 88.0;
      const current = 71.5;
      await callJson(
        ctx.send,
        sharedReq.recordAnomaly({
          anomaly_id: anomalyId,
          metric_name: 'quality_score',
          severity: 'warning',
          baseline_value: baseline,
          current_value: current,
          z_score: -2.7,
          detected_at: pyUtcNow(),
          agent_did: 'agent-123',
          tenant_id: 'tenant-456',
          deviation_percent: ((current - baseline) / Math.abs(baseline)) * 100,
          confidence: 0.95,
          status: 'alerting',
          alert_sent: false,
        }),
      );
    },
  },
  {
    id: 'L06.update_anomaly_status',
    source: `${BRIDGE}:214`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      await callJson(ctx.send, sharedReq.updateAnomalyStatus(ctx.recall<string>('L06.anomaly'), 'resolved', pyUtcNow(), true));
    },
  },
  {
    id: 'L06.record_compliance_result',
    source: `${BRIDGE}:252`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const now = pyUtcNow();
      const constraint = { constraint_id: `const-${uuid4()}`, constraint_type: 'deadline', name: 'Execution deadline', limit: 300, unit: 'seconds', description: 'Maximum wall time' };
      await callJson(
        ctx.send,
        sharedReq.recordComplianceResult({
          result_id: `comp-${uuid4()}`,
          execution_id: `exec-${uuid4()}`,
          agent_did: 'agent-123',
          tenant_id: 'tenant-456',
          timestamp: now,
          compliant: false,
          violations: [{ violation_id: `viol-${uuid4()}`, constraint, timestamp: `${now}Z`, actual: 412, agent_id: 'agent-123', task_id: null, tenant_id: 'tenant-456', severity: 'critical', violation_duration_seconds: 112.0, remediation_suggested: 'Split the task' }],
          constraints_checked: [constraint],
        }),
      );
    },
  },
  {
    id: 'L06.record_alert',
    source: `${BRIDGE}:295`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const alertId = `alert-${uuid4()}`;
      ctx.remember('L06.alert', alertId);
      await callJson(
        ctx.send,
        sharedReq.recordAlert({ alert_id: alertId, timestamp: pyUtcNow(), severity: 'critical', alert_type: 'anomaly', metric: 'quality_score', message: 'Quality score dropped 19% below baseline', channels: ['slack', 'pagerduty'], agent_did: 'agent-123', tenant_id: 'tenant-456', metadata: { z_score: -2.7 } }),
      );
    },
  },
  {
    id: 'L06.update_alert_delivery',
    source: `${BRIDGE}:343`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      await callJson(ctx.send, sharedReq.updateAlertDelivery(ctx.recall<string>('L06.alert'), 1, true, pyUtcNow()));
    },
  },
];
