/**
 * Section 5.2, L12 natural-language interface: `platform/src/L12_nl_interface/services/l01_bridge.py`,
 * its own httpx client without any auth header (the measurement's bearer token is added).
 */
import { createHash } from 'node:crypto';
import type { CallerCase, SendRequest } from '../support/harness.js';
import { pyUtcNow, pyUuid, raiseForStatus, uuid4 } from '../support/python.js';

const BRIDGE = 'platform/src/L12_nl_interface/services/l01_bridge.py';

export const l12Cases: CallerCase[] = [
  {
    id: 'L12.send_events',
    source: `${BRIDGE}:403`,
    section: '5.2',
    auth: 'none',
    originalWorked: true, // R1: a well-formed EventCreate; the original's answer was the JSONB 500
    async run(ctx) {
      // InvocationEvent.to_event_create(), aggregate_id = str(UUID(md5(session_id).hexdigest())).
      const sessionId = `nl-session-${uuid4()}`;
      const aggregateId = pyUuid(createHash('md5').update(sessionId).digest('hex'), 'UUID(md5)');
      const req: SendRequest = {
        method: 'POST',
        path: '/events/',
        body: {
          event_type: 'l12.service_invoked',
          aggregate_type: 'l12_session',
          aggregate_id: aggregateId,
          payload: { service_name: 'PlanningService', method_name: 'create_plan', parameters: { goal: 'Summarise the incidents' }, result: { plan_id: uuid4() }, error: null, execution_time_ms: 412.6, status: 'success' },
          metadata: { source: 'L12_nl_interface', timestamp: pyUtcNow() },
          version: 1,
        },
      };
      raiseForStatus(await ctx.send(req), req);
    },
  },
  {
    id: 'L12.health_check',
    source: `${BRIDGE}:457`,
    section: '5.2',
    auth: 'none',
    // C12 was the missing key (401); with the measurement's bearer token the original answered 200.
    originalWorked: true,
    async run(ctx) {
      const req: SendRequest = { method: 'GET', path: '/health' };
      raiseForStatus(await ctx.send(req), req);
    },
  },
];
