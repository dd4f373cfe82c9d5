import { double, integer, json, oneOf, ref, tags, text, varchar } from '../columns.js';
import { defineEntity } from '../entity.js';

/** What agents know and use: documents, models, tools and training data. */

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
    status: oneOf(['active', 'deprecated', 'disabled']).default('active').indexed(),
    input_schema: json().default({}),
    output_schema: json().default({}),
    config: json().default({}),
  },
});

export const datasets = defineEntity({
  table: 'datasets',
  singular: 'dataset',
  description: 'A named collection of training examples.',
  columns: {
    name: varchar(255).required().unique(),
    description: text(),
    domain: varchar(100).indexed(),
    status: oneOf(['draft', 'ready', 'archived']).default('draft').indexed(),
    metadata: json().default({}),
  },
});

export const trainingExamples = defineEntity({
  table: 'training_examples',
  singular: 'training_example',
  description: 'One input/expected-output pair for training or evaluation.',
  columns: {
    dataset_id: ref('datasets'),
    input: json().required(),
    expected_output: json(),
    source: varchar(100).indexed(),
    domain: varchar(100).indexed(),
    quality_score: double().range(0, 1),
    metadata: json().default({}),
  },
  // The statistics (counts by source, domain, quality) are an index-only scan of this index
  // instead of a read of the wide rows; it also serves the `source` filter.
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
    model_id: ref('models').required(),
    agent_id: ref('agents'),
    session_id: ref('sessions'),
    tokens_in: integer().required().range(0, 2_147_483_647),
    tokens_out: integer().default(0).range(0, 2_147_483_647),
    latency_ms: double().range(0, 1e10),
    cost_usd: double().range(0, 1e9),
    metadata: json().default({}),
  },
  // Usage of one model or agent over a time range (`?from&to`) reads one index range.
  indexes: [['model_id', 'created_at'], ['agent_id', 'created_at']],
});
