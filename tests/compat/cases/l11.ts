/**
 * Section 5.2, L11 integration: `platform/src/L11_integration/services/l01_bridge.py` (shared
 * client, no key), with the values its services pass: `saga_orchestrator.py` (saga ids are
 * `str(uuid4())`, times `datetime.now(timezone.utc)` — aware, `models/saga.py:72-83,175-185`;
 * steps recorded with status "executing"), `circuit_breaker.py` (aware timestamps) and
 * `service_registry.py` (`datetime.now()`, naive local).
 *
 * Aware timestamps were a 500 on the original (C14, R6): those cases are originalWorked false;
 * the new surface accepts them.
 */
import type { CallerCase } from '../support/harness.js';
import { callJson, pyAwareUtcNow, pyLocalNow, uuid4 } from '../support/python.js';
import { sharedReq } from '../support/shared-client.js';

const BRIDGE = 'platform/src/L11_integration/services/l01_bridge.py';

/** The saga L11's orchestrator runs: its id exists in L11 whether or not L01 stored the record. */
function sagaId(ctx: Parameters<CallerCase['run']>[0]): string {
  try {
    return ctx.recall<string>('L11.saga');
  } catch {
    const id = uuid4();
    ctx.remember('L11.saga', id);
    return id;
  }
}

export const l11Cases: CallerCase[] = [
  {
    id: 'L11.record_saga_execution',
    source: `${BRIDGE}:75`,
    section: '5.2',
    auth: 'none',
    originalWorked: false, // C14: started_at is aware
    async run(ctx) {
      await callJson(
        ctx.send,
        sharedReq.recordSagaExecution({ saga_id: sagaId(ctx), saga_name: 'order_fulfillment', started_at: pyAwareUtcNow(), steps_total: 3, status: 'running', context: { order_id: 'ord-20261201-0042', customer_id: 'cust_123', amount: 99.99 } }),
      );
    },
  },
  {
    id: 'L11.update_saga_execution',
    source: `${BRIDGE}:125`,
    section: '5.2',
    auth: 'none',
    originalWorked: false, // C14: completed_at is aware
    async run(ctx) {
      // saga_orchestrator.py:190 after the last step.
      await callJson(ctx.send, sharedReq.updateSagaExecution(sagaId(ctx), { status: 'completed', steps_completed: 3, completed_at: pyAwareUtcNow() }));
    },
  },
  {
    id: 'L11.record_saga_step',
    source: `${BRIDGE}:173`,
    section: '5.2',
    auth: 'none',
    originalWorked: true, // no timestamps; "executing" stored as free text (C25)
    async run(ctx) {
      // saga_orchestrator.py:236: step id "<saga>-step-<index>", status "executing", no request/metadata.
      const saga = sagaId(ctx);
      await callJson(ctx.send, sharedReq.recordSagaStep({ step_id: `${saga}-step-0`, saga_id: saga, step_name: 'reserve_inventory', step_index: 0, service_id: 'inventory-service', status: 'executing' }));
    },
  },
  {
    id: 'L11.update_saga_step',
    source: `${BRIDGE}:226`,
    section: '5.2',
    auth: 'none',
    // C14: completed_at = step.completed_at, aware. (The orchestrator's own calls, saga_orchestrator.py:280
    // and :315, pass an undefined name `step_id` and raise NameError before reaching the bridge.)
    originalWorked: false,
    async run(ctx) {
      const saga = sagaId(ctx);
      await callJson(ctx.send, sharedReq.updateSagaStep(`${saga}-step-0`, { status: 'completed', completed_at: pyAwareUtcNow(), response: { reservation_id: 'res-77', items: 2 } }));
    },
  },
  {
    id: 'L11.record_circuit_breaker_event',
    source: `${BRIDGE}:289`,
    section: '5.2',
    auth: 'none',
    originalWorked: false, // C14: timestamp is aware
    async run(ctx) {
      // circuit_breaker.py:186, record_failure opening the circuit.
      await callJson(
        ctx.send,
        sharedReq.recordCircuitBreakerEvent({ event_id: `cb-${uuid4()}`, timestamp: pyAwareUtcNow(), service_id: 'payment-service', circuit_name: 'payment-service_circuit', event_type: 'state_change', state_to: 'open', state_from: 'closed', failure_count: 5, failure_threshold: 5, timeout_seconds: 60 }),
      );
    },
  },
  {
    id: 'L11.record_service_registry_event',
    source: `${BRIDGE}:354`,
    section: '5.2',
    auth: 'none',
    originalWorked: true, // naive local timestamps
    async run(ctx) {
      // service_registry.py:66 a registration, then :199 a health change of the same service.
      const serviceId = `svc-${uuid4()}`;
      await callJson(ctx.send, sharedReq.recordServiceRegistryEvent({ event_id: `sr-${uuid4()}`, timestamp: pyLocalNow(), service_id: serviceId, event_type: 'registered', layer: 'L03', host: 'l03-tool-execution', port: 8003, health_status: 'healthy', capabilities: ['tool.invoke', 'tool.list'], metadata: { version: '1.4.2' } }));
      await callJson(ctx.send, sharedReq.recordServiceRegistryEvent({ event_id: `sr-${uuid4()}`, timestamp: pyLocalNow(), service_id: serviceId, event_type: 'health_change', layer: 'L03', health_status: 'degraded', metadata: { previous_status: 'healthy' } }));
    },
  },
];
