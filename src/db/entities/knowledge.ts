import { boolean, double, integer, json, oneOf, ref, tags, text, varchar } from '../columns.js';
import { defineEntity } from '../entity.js';

/**
 * What agents know and use: documents, models, tools and training data. Columns named
 * after the original service's fields serve its callers (see planning.ts).
 */

export const documents = defineEntity({
  table: 'documents',
  singular: 'document',
  description: 'A knowledge document agents can retrieve.',
  columns: {
    title: varchar(500).required(),
    content: text(),
    content_type: varchar(100).default('text/plain'),
    source: varchar(255).indexed(),
    tags: tags(),
    metadata: json().default({}),
  },
});

export const models = defineEntity({
  table: 'models',
  singular: 'model',
  description: 'A machine-learning model agents can call.',
  columns: {
    name: varchar(255).required().unique(),
    provider: varchar(100).required().indexed(),
    model_type: oneOf(['llm', 'embedding', 'classifier', 'reranker', 'other']).default('llm').indexed(),
    model_version: varchar(100),
    status: oneOf(['available', 'deprecated', 'disabled']).default('available').indexed(),
    context_window: integer().range(0, 100_000_000),
    parameters: json().default({}),
    capabilities: json().default([]),
  },
});

export const tools = defineEntity({
  table: 'tools',
  singular: 'tool',
  description: 'A tool an agent can invoke.',
  columns: {
    name: varchar(255).required().unique(),
    description: text(),
    category: varchar(100).indexed(),
    // The original's `enabled` is this status: true ↔ active, false ↔ disabled (compat/resources).
    status: oneOf(['active', 'deprecated', 'disabled']).default('active').indexed(),
    // The original's `schema_def`.
    input_schema: json().default({}),
    output_schema: json().default({}),
    config: json().default({}),
    // A kind of tool, not a grouping like `category`: its own column.
    tool_type: oneOf(['function', 'api', 'external']).default('function'),
    permissions: json().default({}),
  },
});

export const datasets = defineEntity({
  table: 'datasets',
  singular: 'dataset',
  description: 'A named collection of training examples.',
  columns: {
    // Unique with its version: L07 curates new versions of a dataset under the same name.
    name: varchar(255).required(),
    description: text(),
    domain: varchar(100).indexed(),
    status: oneOf(['draft', 'ready', 'archived']).default('draft').indexed(),
    metadata: json().default({}),
    dataset_version: varchar(50).default('1.0.0').describe('Semantic version of the dataset (the original\'s `version`; `version` here is the row\'s).'),
    tags: tags(),
    split_ratios: json().default({ train: 0.8, validation: 0.1, test: 0.1 }),
    lineage: json().default({ source_datasets: [], extraction_jobs: [], filter_configs: [], transformations: [] }),
    statistics: json().default({}),
    created_by: varchar(255),
  },
  unique: [['name', 'dataset_version']],
});

export const trainingExamples = defineEntity({
  table: 'training_examples',
  singular: 'training_example',
  description: 'One input/expected-output pair for training or evaluation.',
  columns: {
    dataset_id: ref('datasets'),
    // The original's `input_structured`; its `input_text` is a column of its own.
    input: json().required(),
    expected_output: json(),
    // The original's `source_type` (execution_trace, planning_trace, …).
    source: varchar(100).indexed(),
    domain: varchar(100).indexed(),
    // 0–1. The original's routes speak 0–100 (L07): they scale it (compat/resources).
    quality_score: double().range(0, 1),
    metadata: json().default({}),
    agent_id: ref('agents'),
    execution_id: varchar(255).indexed(),
    task_ref: varchar(255).describe('The caller\'s task id, free text (the original\'s `task_id`).'),
    source_trace_hash: varchar(255),
    input_text: text(),
    output_text: text(),
    expected_actions: json().default([]),
    final_answer: text(),
    confidence: double().range(0, 1),
    labels: tags(),
    task_type: varchar(100),
    difficulty: double().range(0, 1),
    extracted_by: varchar(255),
  },
  // The statistics (counts by source, domain, quality) are an index-only scan of this index
  // instead of a read of the wide rows.
  indexes: [['source', 'domain', 'quality_score']],
});

export const datasetExamples = defineEntity({
  table: 'dataset_examples',
  singular: 'dataset_example',
  description: 'A training example that belongs to a dataset, in one split. An example may be in several datasets, once each.',
  columns: {
    dataset_id: ref('datasets').required(),
    training_example_id: ref('training_examples').required(),
    split: oneOf(['train', 'validation', 'test']).default('train').indexed(),
  },
  unique: [['dataset_id', 'training_example_id']],
  // Split counts of one dataset are an index-only scan of this index.
  indexes: [['dataset_id', 'split']],
});

export const modelUsage = defineEntity({
  table: 'model_usage',
  singular: 'model_usage',
  description: 'Tokens, latency and cost of one request to a model.',
  columns: {
    request_id: varchar(255).required().unique().describe('The caller\'s id of the request; one usage row per request.'),
    // The original's callers name the model by provider and name: its routes find or create
    // the `models` row (compat/resources), so every usage row points at a model.
    model_id: ref('models').required(),
    agent_id: ref('agents'),
    session_id: ref('sessions'),
    // The original's input_tokens and output_tokens.
    tokens_in: integer().required().range(0, 2_147_483_647),
    tokens_out: integer().default(0).range(0, 2_147_483_647),
    latency_ms: double().range(0, 1e10),
    // The original's cost_estimate (dollars).
    cost_usd: double().range(0, 1e9),
    metadata: json().default({}),
    model_provider: varchar(100).indexed(),
    model_name: varchar(255),
    model_ref: varchar(255).describe('The caller\'s model id, free text such as `qwen2.5:latest` (the original\'s `model_id`).'),
    agent_did: varchar(255).indexed(),
    tenant_id: varchar(255).indexed(),
    session_ref: varchar(255).indexed().describe('The caller\'s session id, free text (the original\'s `session_id`).'),
    cached_tokens: integer().default(0).range(0, 2_147_483_647),
    total_tokens: integer().range(0, 2_147_483_647),
    cached: boolean().default(false),
    cost_input_cents: double(),
    cost_output_cents: double(),
    cost_cached_cents: double(),
    finish_reason: varchar(50),
    error_message: text(),
    response_status: varchar(50).default('success'),
  },
  // Usage of one model or agent over a time range (`?from&to`) reads one index range; these
  // are also the `model_id` and `agent_id` filters' page indexes (table.ts).
  indexes: [['model_id', 'created_at', 'id'], ['agent_id', 'created_at', 'id']],
});
