/**
 * Prerequisites a case needs but does not itself send (an agent to refer to, a session to
 * update, a dataset to link into), created through the ORIGINAL routes with `X-API-Key`, as
 * the shared client built with a key would. Memoised per run unless `fresh`. A prerequisite
 * the server does not create fails the case that needs it with a `PrerequisiteError`.
 */
import { PrerequisiteError, prerequisiteJson, snippet, type CaseContext, type SendRequest } from './harness.js';
import { uuid4, type Json } from './python.js';
import { sharedReq } from './shared-client.js';

async function create(ctx: CaseContext, what: string, req: SendRequest, statuses: number[], idKey: string): Promise<string> {
  const body = prerequisiteJson(what, req, await ctx.admin(req), statuses);
  const id = (body as Json | null)?.[idKey];
  if (typeof id !== 'string' || id === '') {
    throw new PrerequisiteError(`prerequisite ${what}: the answer has no string "${idKey}": ${snippet(JSON.stringify(body))}`);
  }
  return id;
}

/** A session of `ctx.agent()`, created with the body L02 sends (`session_type` runtime). */
export function session(ctx: CaseContext, runtimeMetadata: Json = {}): Promise<string> {
  return ctx.prereq(`session:${JSON.stringify(runtimeMetadata)}`, async () =>
    create(
      ctx,
      'session',
      sharedReq.createSession({ agent_id: await ctx.agent(), session_type: 'runtime', context: {}, runtime_backend: 'local', runtime_metadata: runtimeMetadata }),
      [201],
      'id',
    ),
  );
}

/** A goal recorded as L05 records it (uuid4 `goal_id`), for `ctx.agent()`; its `goal_id`. */
export function goal(ctx: CaseContext): Promise<string> {
  return ctx.prereq('goal', async () => {
    const goalId = uuid4();
    const req = sharedReq.recordGoal({
      goal_id: goalId,
      agent_did: await ctx.agentDid(),
      goal_text: 'Summarise the open incidents of the week',
      agent_id: await ctx.agent(),
      goal_type: 'compound',
      status: 'pending',
      constraints: { max_parallelism: 10, priority: 5, require_approval: false },
      metadata: { source: 'compat-prereq' },
    });
    await create(ctx, 'goal', req, [201], 'goal_id');
    return goalId;
  });
}

/** A plan for `goal(ctx)` with one task, recorded as L05 records it; its `plan_id`. */
export function plan(ctx: CaseContext): Promise<string> {
  return ctx.prereq('plan', async () => {
    const planId = `plan-${uuid4()}`;
    const taskId = `task-${uuid4()}`;
    const req = sharedReq.recordPlan({
      plan_id: planId,
      goal_id: await goal(ctx),
      agent_id: await ctx.agent(),
      tasks: [{ task_id: taskId, name: 'Collect incidents', description: 'List the incidents of the week', task_type: 'atomic', status: 'pending', dependencies: [], inputs: {}, outputs: {}, assigned_agent: null, timeout_seconds: 300, retry_count: 0, tool_name: null, llm_prompt: null, metadata: {} }],
      dependency_graph: { [taskId]: [] },
      status: 'validated',
      decomposition_strategy: 'hybrid',
    });
    await create(ctx, 'plan', req, [201], 'plan_id');
    return planId;
  });
}

/** A training example (L07's body); memoised unless `fresh`. Its id. */
export function trainingExample(ctx: CaseContext, fresh = false): Promise<string> {
  const make = async () =>
    create(
      ctx,
      'training example',
      sharedReq.createTrainingExample({
        input_text: `Summarise incident ${uuid4()}`,
        execution_id: `exec-${uuid4()}`,
        source_type: 'execution_trace',
        output_text: 'Two services degraded for 12 minutes.',
        quality_score: 82.5,
        confidence: 0.9,
        domain: `compat-${ctx.suffix}`,
        task_type: 'single_step',
      }),
      [201],
      'id',
    );
  return fresh ? make() : ctx.prereq('training-example', make);
}

/** A dataset (L07's body); memoised unless `fresh`. Its id. */
export function dataset(ctx: CaseContext, fresh = false): Promise<string> {
  const make = async () =>
    create(ctx, 'dataset', sharedReq.createDataset({ name: `compat-dataset-${ctx.suffix}-${uuid4().slice(0, 8)}`, version: '1.0.0', description: 'prerequisite', tags: ['compat'] }), [201], 'id');
  return fresh ? make() : ctx.prereq('dataset', make);
}

/** Links an example into a dataset (`POST /datasets/{d}/examples/{e}?split=`). */
export async function link(ctx: CaseContext, datasetId: string, exampleId: string, split: string): Promise<void> {
  const req = sharedReq.addExampleToDataset(datasetId, exampleId, split);
  prerequisiteJson('dataset link', req, await ctx.admin(req), [200, 201]);
}
