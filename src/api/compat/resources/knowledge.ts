/**
 * The original's tools and tool executions, model usage, documents, training examples and
 * datasets (ORIGINAL-L01-API.md 2.4, 2.8, 2.11, 2.13, 2.14).
 */
import { z } from 'zod';
import { datasetExamples, datasets as datasetEntity, documents as documentEntity, modelUsage, models, tools as toolEntity, trainingExamples } from '../../../db/entities/knowledge.js';
import { toolExecutions as toolExecutionEntity } from '../../../db/entities/operations.js';
import { listRows } from '../../../db/read.js';
import { findOrCreate } from '../find-or-create.js';
import { defineResource, type WriteContext } from '../resource.js';
import { booleanAs, percentOf } from '../values.js';

/** Deletes, one event each, the dataset links of a dataset or an example: the original cascaded them. */
async function deleteLinks(ctx: WriteContext, column: 'dataset_id' | 'training_example_id', id: string): Promise<void> {
  for (;;) {
    const links = JSON.parse(await listRows(ctx.db, datasetExamples, { where: [{ column, op: 'eq', value: id }], order: [], limit: 500, offset: 0 })) as Array<{ id: string }>;
    for (const link of links) await ctx.write({ op: 'delete', entity: datasetExamples, id: link.id, metadata: ctx.metadata });
    if (links.length < 500) return;
  }
}

export const tools = defineResource({
  entity: toolEntity,
  path: '/tools',
  key: 'id',
  notFound: 'Tool not found',
  rename: { schema_def: 'input_schema' },
  values: { enabled: booleanAs('status', 'active', 'disabled', ['deprecated']) },
  required: ['name', 'schema_def'],
  routes: {
    list: {
      filters: { enabled_only: { column: 'status', schema: z.enum(['true', 'false']).transform((v) => v === 'true'), store: (only) => (only ? 'active' : undefined) } },
      order: [['name', 'asc']],
      offset: false,
    },
    get: true,
    create: true,
    update: { empty: 'current' },
  },
});

export const toolExecutions = defineResource({
  entity: toolExecutionEntity,
  path: '/tools/executions',
  key: 'invocation_id',
  notFound: 'Tool execution not found',
  rename: { input_params: 'input', output_result: 'output', error_message: 'error', session_id: 'session_ref' },
  required: ['invocation_id', 'tool_name'],
  // L03 names its tools without registering them: the execution points at the tool of that name.
  prepare: async (data, _inputs, ctx) => {
    data.tool_id ??= await findOrCreate(ctx, toolEntity, { name: data.tool_name }, { description: 'Registered by its first recorded execution.' });
  },
  routes: {
    list: { filters: { agent_id: 'agent_id', tool_name: 'tool_name', session_id: 'session_ref', tenant_id: 'tenant_id', status: 'status' }, order: [['created_at', 'desc']] },
    get: [{ path: '/tools/tool-executions/:id', key: 'id' }, { path: '/tools/executions/by-invocation/:invocation_id', key: 'invocation_id' }],
    create: { path: '/tools/tool-executions' },
    update: { empty: 'current' },
  },
});

export const modelUsageRecords = defineResource({
  entity: modelUsage,
  path: '/models/usage',
  key: 'request_id',
  notFound: 'Model usage not found',
  rename: { input_tokens: 'tokens_in', output_tokens: 'tokens_out', cost_estimate: 'cost_usd', session_id: 'session_ref', model_id: 'model_ref' },
  required: ['request_id', 'model_provider', 'model_name', 'input_tokens', 'output_tokens'],
  prepare: async (data, _inputs, ctx) => {
    // The original stored total_tokens as sent, NULL when absent; its callers compute it (in + out).
    data.total_tokens ??= Number(data.tokens_in) + Number(data.tokens_out ?? 0);
    data.model_id = await findOrCreate(ctx, models, { name: data.model_name }, { provider: data.model_provider });
  },
  routes: {
    list: {
      filters: { agent_id: 'agent_id', agent_did: 'agent_did', model_provider: 'model_provider', tenant_id: 'tenant_id', session_id: 'session_ref' },
      order: [['created_at', 'desc']],
    },
    get: true,
    create: true,
  },
});

export const documents = defineResource({
  entity: documentEntity,
  path: '/documents',
  key: 'id',
  notFound: 'Document not found',
  required: ['title'],
  routes: {
    list: { order: [['updated_at', 'desc']], offset: false },
    get: true,
    create: true,
    update: { empty: 'current' },
    delete: true,
  },
});

export const trainingExampleRecords = defineResource({
  entity: trainingExamples,
  path: '/training-examples',
  key: 'id',
  notFound: 'Training example not found',
  rename: { source_type: 'source', input_structured: 'input', task_id: 'task_ref' },
  values: { quality_score: percentOf('quality_score') },
  required: ['input_text'],
  defaults: {
    source_type: 'execution_trace', input_structured: {}, output_text: '', expected_actions: [], final_answer: '',
    quality_score: 0, confidence: 0, labels: [], domain: 'general', task_type: 'single_step', difficulty: 0.5,
    extracted_by: 'L07 TrainingDataExtractor',
  },
  routes: {
    list: {
      filters: {
        agent_id: 'agent_id', domain: 'domain', source_type: 'source',
        min_quality: { column: 'quality_score', op: 'gte', schema: z.coerce.number(), store: (v) => (v as number) / 100 },
      },
      order: [['created_at', 'desc']],
    },
    get: true,
    create: true,
    update: { empty: 'current' },
    delete: { before: (id, ctx) => deleteLinks(ctx, 'training_example_id', id) },
  },
});

export const datasetRecords = defineResource({
  entity: datasetEntity,
  path: '/datasets',
  key: 'id',
  notFound: 'Dataset not found',
  rename: { version: 'dataset_version' },
  required: ['name'],
  defaults: { version: '1.0.0', description: '', tags: [], created_by: 'L07 DatasetCurator' },
  inputs: {
    source_datasets: z.array(z.string()), extraction_jobs: z.array(z.string()),
    filter_configs: z.array(z.record(z.string(), z.unknown())), transformations: z.array(z.string()),
  },
  // The original kept a dataset's provenance in one `lineage` object.
  prepare: (data, inputs) => {
    data.lineage = {
      source_datasets: inputs.source_datasets ?? [], extraction_jobs: inputs.extraction_jobs ?? [],
      filter_configs: inputs.filter_configs ?? [], transformations: inputs.transformations ?? [],
    };
  },
  routes: {
    list: {
      filters: { name_filter: { column: 'name', op: 'contains', schema: z.string() }, tag_filter: { column: 'tags', op: 'has', schema: z.string() } },
      order: [['created_at', 'desc']],
    },
    get: true,
    create: true,
    update: { empty: 'current' },
    delete: { before: (id, ctx) => deleteLinks(ctx, 'dataset_id', id) },
  },
});
