/**
 * Section 5.2, L02 runtime: `platform/src/L02_runtime/services/l01_bridge.py`, the shared client
 * built without a key. Every call is wrapped in try/except: an error is logged and lost.
 */
import { expect } from 'vitest';
import type { CallerCase } from '../support/harness.js';
import { session } from '../support/prereqs.js';
import { callJson, expectArray, expectNo5xx, okJson, pyUtcNow, pyUuid, uuid4, type Json } from '../support/python.js';
import { sharedReq } from '../support/shared-client.js';

const BRIDGE = 'platform/src/L02_runtime/services/l01_bridge.py';

/** The runtime_metadata `on_agent_spawned` sends (l01_bridge.py:73-83). */
function spawnMetadata(l02Session: string): Json {
  return {
    l02_session_id: l02Session,
    l02_agent_state: 'running',
    sandbox_type: 'docker',
    container_id: `c-${uuid4().slice(0, 12)}`,
    pod_name: null,
    backend_metadata: { image: 'agent-runtime:1.4', network: 'bridge' },
    trust_level: 'trusted',
    runtime_class: 'runc',
    spawned_at: pyUtcNow(),
  };
}

/** The session L02's updates address: created as `on_agent_spawned` creates it, for an agent L01 knows. */
const l02Session = (ctx: Parameters<typeof session>[0]) => session(ctx, { l02_session_id: 'l02-compat-session', l02_agent_state: 'running' });

export const l02Cases: CallerCase[] = [
  {
    id: 'L02.create_session',
    source: `${BRIDGE}:86`,
    section: '5.2',
    auth: 'none',
    // C13: L02 never creates its agents in L01. Its agent ids are not UUIDs (no HTTP at all) or
    // UUIDs L01 has never seen: the original failed on the foreign key (500).
    originalWorked: false,
    async run(ctx) {
      const agentId = uuid4(); // an L02 agent, unknown to L01
      const req = sharedReq.createSession({
        agent_id: agentId,
        session_type: 'runtime',
        context: { agent_config: { agent_id: agentId, trust_level: 'trusted', resource_limits: { cpu: '1', memory: '512Mi' } }, sandbox_config: { runtime_class: 'runc' } },
        runtime_backend: 'local',
        runtime_metadata: spawnMetadata(`sess-${uuid4()}`),
      });
      const res = await ctx.send(req);
      // The bridge turns any error into None; a server failure is never the right answer.
      expectNo5xx(res, req);
      if (res.status >= 200 && res.status < 300) pyUuid(okJson(res, req).id, 'UUID(session["id"])');
    },
  },
  {
    id: 'L02.update_session.state_changed',
    source: `${BRIDGE}:147`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // SUSPENDED → "paused"; the runtime_metadata replaces the stored object.
      const id = await l02Session(ctx);
      await callJson(ctx.send, sharedReq.updateSession(id, { status: 'paused', runtime_metadata: { l02_agent_state: 'suspended', state_changed_at: pyUtcNow(), previous_state: 'running', reason: 'operator' } }));
    },
  },
  {
    id: 'L02.update_session.checkpoint',
    source: `${BRIDGE}:195`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const id = await l02Session(ctx);
      await callJson(ctx.send, sharedReq.updateSession(id, { checkpoint: { l02_checkpoint_id: `ckpt-${uuid4()}`, size_bytes: 1_048_576, created_at: pyUtcNow(), storage: 'local' } }));
    },
  },
  {
    id: 'L02.update_session.terminated',
    source: `${BRIDGE}:240`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const id = await l02Session(ctx);
      // termination_reason "normal" → "completed" (anything else → "crashed").
      await callJson(ctx.send, sharedReq.updateSession(id, { status: 'completed', runtime_metadata: { l02_agent_state: 'terminated', termination_reason: 'normal', terminated_at: pyUtcNow(), resource_usage: { cpu_seconds: 12.5, memory_peak_mb: 498 } } }));
    },
  },
  {
    id: 'L02.list_sessions',
    source: `${BRIDGE}:275`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // get_session_by_agent: list_sessions(agent_id=UUID(agent_id), limit=1) → first item or None.
      await l02Session(ctx);
      const agentId = await ctx.agent();
      const list = await callJson(ctx.send, sharedReq.listSessions({ agent_id: agentId, limit: 1 }));
      expectArray(list, 'list_sessions answer');
      expect(list.length, 'limit=1').toBe(1);
      expect((list[0] as Json).agent_id, 'the session found is the agent\'s').toBe(agentId);
      pyUuid((list[0] as Json).id, 'session id');
    },
  },
];
