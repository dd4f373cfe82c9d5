/**
 * Section 5.2, the UI: `platform/ui/src/api/client.ts`, axios from the browser with
 * `Authorization: Bearer <VITE_API_KEY>` (CORS preflight and checks in `support/browser.ts`).
 *
 * The pages read fields the original never returned (C21): `agent.agent_id`, `agent.type`,
 * `agent.capabilities`, goal `description` and string `priority`, plan `strategy` and
 * `completed_at`, event `event_id`/`timestamp`/`source`/`severity`. Those gaps are the UI's and
 * are not asserted; what is asserted is the status, the list/object shape, and the fields the
 * original did return that the pages read.
 */
import { expect } from 'vitest';
import { axiosData, browserCall } from '../support/browser.js';
import { describeRequest, type CallerCase, type SendRequest } from '../support/harness.js';
import { goal, plan } from '../support/prereqs.js';
import { expectArray, expectNaiveIso, expectNo5xx, expectObject, findBy, uuid4, type Json } from '../support/python.js';

const CLIENT = 'platform/ui/src/api/client.ts';

function ui(line: string, id: string, originalWorked: boolean, run: CallerCase['run']): CallerCase {
  return { id: `UI.${id}`, source: `${CLIENT}:${line}`, section: '5.2', auth: 'bearer', originalWorked, run };
}

export const uiCases: CallerCase[] = [
  ui('91', 'listAgents', true, async (ctx) => {
    // Agents.tsx / Dashboard.tsx: agent.status, agent.created_at (agent_id/type/capabilities: C21 gap).
    const list = await axiosData(ctx, { method: 'GET', path: '/agents/' });
    expectArray(list, 'GET /agents/');
    list.forEach((a, i) => {
      expectObject(a, `agent ${i}`);
      expect(typeof a.status, `agent ${i}: status`).toBe('string');
      expectNaiveIso(a.created_at, `agent ${i}: created_at`);
    });
    findBy(list, 'id', await ctx.agent(), 'GET /agents/');
  }),
  ui('99', 'getAgent', true, async (ctx) => {
    // `/agents/${id}/` with the trailing slash: the original redirected (307, which the browser
    // followed) to a 500 (R2); the surface answers this spelling directly.
    const id = await ctx.agent();
    const a = await axiosData(ctx, { method: 'GET', path: `/agents/${id}/` });
    expectObject(a, `GET /agents/${id}/`);
    expect(a.id).toBe(id);
    expect(typeof a.status, 'status').toBe('string');
    expectNaiveIso(a.created_at, 'created_at');
  }),
  ui('163', 'listGoals', true, async (ctx) => {
    // Goals.tsx: goal.goal_id, goal.status, goal.created_at (description/priority strings: C21 gap).
    const goalId = await goal(ctx);
    const list = await axiosData(ctx, { method: 'GET', path: '/goals/' });
    expectArray(list, 'GET /goals/');
    list.forEach((g, i) => {
      expectObject(g, `goal ${i}`);
      expect(typeof g.goal_id, `goal ${i}: goal_id`).toBe('string');
      expect(typeof g.status, `goal ${i}: status`).toBe('string');
      expectNaiveIso(g.created_at, `goal ${i}: created_at`);
    });
    findBy(list, 'goal_id', goalId, 'GET /goals/');
  }),
  ui('171', 'createGoal', false, async (ctx) => {
    // C3: Goals.tsx sends {description, priority: "medium", constraints: {}, context: {}} — no
    // goal_id/agent_did/goal_text (500 on the original). The UI shows an error either way.
    const req: SendRequest = { method: 'POST', path: '/goals/', body: { description: 'Reduce onboarding time', priority: 'medium', constraints: {}, context: {} } };
    expectNo5xx(await browserCall(ctx, req), req);
  }),
  ui('178', 'getGoal', true, async (ctx) => {
    const goalId = await goal(ctx);
    const g = await axiosData(ctx, { method: 'GET', path: `/goals/${goalId}/` });
    expectObject(g, `GET /goals/${goalId}/`);
    expect(g.goal_id).toBe(goalId);
    expect(typeof g.status).toBe('string');
  }),
  ui('186', 'listPlans', true, async (ctx) => {
    // Goals.tsx: plan.plan_id, goal_id, status, created_at, and plan.tasks as an array
    // (.length, .slice(0, 5).map) — never the JSON string the original sent (strategy/completed_at: C21 gap).
    const planId = await plan(ctx);
    const goalId = await goal(ctx);
    const list = await axiosData(ctx, { method: 'GET', path: '/plans/', query: { goal_id: goalId } });
    expectArray(list, 'GET /plans/');
    list.forEach((p, i) => {
      expectObject(p, `plan ${i}`);
      expect(p.goal_id, `plan ${i}: goal_id filter`).toBe(goalId);
      expect(Array.isArray(p.tasks), `plan ${i}: tasks is an array (tasks.length)`).toBe(true);
      expect(typeof p.status, `plan ${i}: status`).toBe('string');
      expectNaiveIso(p.created_at, `plan ${i}: created_at`);
    });
    expect((findBy(list, 'plan_id', planId, 'GET /plans/').tasks as unknown[]).length).toBe(1);
  }),
  ui('205', 'getPlan', true, async (ctx) => {
    const planId = await plan(ctx);
    const p = await axiosData(ctx, { method: 'GET', path: `/plans/${planId}/` });
    expectObject(p, `GET /plans/${planId}/`);
    expect(p.plan_id).toBe(planId);
    expect(Array.isArray(p.tasks), 'tasks is an array').toBe(true);
    expect(((p.tasks as Json[])[0] ?? {}).name).toBe('Collect incidents');
  }),
  ui('213', 'listEvents', true, async (ctx) => {
    // Monitoring.tsx: event.event_type, event.payload (event_id/timestamp/source/severity: C21 gap).
    const list = await axiosData(ctx, { method: 'GET', path: '/events/', query: { limit: 100, offset: 0 } });
    expectArray(list, 'GET /events/');
    expect(list.length).toBeLessThanOrEqual(100);
    list.forEach((e, i) => {
      expectObject(e, `event ${i}`);
      expect(typeof e.event_type, `event ${i}: event_type`).toBe('string');
      expectObject(e.payload, `event ${i}: payload`);
    });
    expect(list.length, 'the events written in this run are listed').toBeGreaterThan(0);
  }),
  ui('222,229,236,243,250', 'contexts', false, async (ctx) => {
    // C20: there is no /contexts router; every call is a 404 (the UI shows the error). Whether or
    // not the preflight passes, the UI gets an error; what it must not get is a server failure.
    const id = uuid4();
    const calls: SendRequest[] = [
      { method: 'GET', path: '/contexts/' },
      { method: 'POST', path: '/contexts/', body: { name: 'staging', variables: { region: 'eu-west-1' } } },
      { method: 'GET', path: `/contexts/${id}/` },
      { method: 'PATCH', path: `/contexts/${id}/`, body: { variables: { region: 'us-east-1' } } },
      { method: 'DELETE', path: `/contexts/${id}/` },
    ];
    for (const req of calls) {
      const res = await ctx.send({ ...req, headers: { origin: 'http://localhost:3000', accept: 'application/json, text/plain, */*' } });
      expect(res.status, `${describeRequest(req)}: no such route`).toBe(404);
    }
  }),
];
