/**
 * Section 5.2, L03 tool execution: `platform/src/L03_tool_execution/services/l01_bridge.py`,
 * the shared client built without a key. `tool_name` carries L03's tool id; L03 never sends
 * `tool_id` or `agent_id`. The record/update methods return True only when the call succeeded.
 */
import { expect } from 'vitest';
import type { CallerCase } from '../support/harness.js';
import { callJson, expectObject, pyUtcNow, uuid4 } from '../support/python.js';
import { sharedReq } from '../support/shared-client.js';

const BRIDGE = 'platform/src/L03_tool_execution/services/l01_bridge.py';

export const l03Cases: CallerCase[] = [
  {
    id: 'L03.record_tool_execution',
    source: `${BRIDGE}:103`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // record_invocation_start for a request with agent context, limits and execution options.
      const invocation = uuid4();
      ctx.remember('L03.invocation', invocation);
      await callJson(
        ctx.send,
        sharedReq.recordToolExecution({
          invocation_id: invocation,
          tool_name: 'test_calculation_tool',
          input_params: { operation: 'add', a: 5, b: 3 },
          tool_version: '1.0.0',
          agent_did: 'did:test:agent_calculator',
          tenant_id: 'tenant_math',
          session_id: 'session_calc_001',
          parent_sandbox_id: 'sandbox_calc',
          status: 'pending',
          async_mode: false,
          priority: 7,
          idempotency_key: `calc-key-${uuid4().slice(0, 8)}`,
          require_approval: false,
          cpu_millicore_limit: 500,
          memory_mb_limit: 512,
          timeout_seconds: 30,
        }),
      );
    },
  },
  {
    id: 'L03.update_tool_execution.status',
    source: `${BRIDGE}:147`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // update_invocation_status(ToolStatus.RUNNING)
      await callJson(ctx.send, sharedReq.updateToolExecution(ctx.recall<string>('L03.invocation'), { status: 'running' }));
    },
  },
  {
    id: 'L03.update_tool_execution.result',
    source: `${BRIDGE}:229`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // record_invocation_result for a SUCCESS response with execution metadata (naive utcnow times).
      const startedAt = pyUtcNow(-1250);
      await callJson(
        ctx.send,
        sharedReq.updateToolExecution(ctx.recall<string>('L03.invocation'), {
          status: 'success',
          completed_at: pyUtcNow(),
          output_result: { result: { sum: 8 }, result_type: 'object' },
          duration_ms: 1250,
          cpu_used_millicore_seconds: 1000,
          memory_peak_mb: 128,
          network_bytes_sent: 1024,
          network_bytes_received: 2048,
          documents_accessed: ['doc_spec_001', 'doc_ref_002'],
          checkpoints_created: ['checkpoint_final'],
          checkpoint_ref: 'final_checkpoint_abc123',
          started_at: startedAt,
        }),
      );
    },
  },
  {
    id: 'L03.get_tool_execution_by_invocation',
    source: `${BRIDGE}:260`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // get_execution_history returns the dict to L03's callers.
      const invocation = ctx.recall<string>('L03.invocation');
      const x = await callJson(ctx.send, sharedReq.getToolExecutionByInvocation(invocation));
      expectObject(x, 'execution history');
      expect(x.invocation_id).toBe(invocation);
      expect(x.tool_name).toBe('test_calculation_tool');
      expect(x.status).toBe('success');
      expect(x.output_result).toEqual({ result: { sum: 8 }, result_type: 'object' });
      expect(x.checkpoint_ref).toBe('final_checkpoint_abc123');
    },
  },
];
