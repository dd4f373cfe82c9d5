/**
 * Section 5.2, L07 learning: `platform/src/L07_learning/services/l01_bridge.py` (shared client,
 * no key). L07 maps answers back into its own models: `UUID(answer["id"])`,
 * `ExampleSource(x["source_type"])`, `TaskType(x["task_type"])`, required keys read with `[...]`,
 * `get_dataset_examples` items through `UUID(...)`. Any exception → None / [] (fallback queue).
 */
import { expect } from 'vitest';
import type { CallerCase } from '../support/harness.js';
import { callJson, expectArray, expectObject, findBy, pyUuid, uuid4, type Json } from '../support/python.js';
import { SHARED_CLIENT_METHODS, SharedClient, sharedReq } from '../support/shared-client.js';

const BRIDGE = 'platform/src/L07_learning/services/l01_bridge.py';

const EXAMPLE_SOURCES = ['execution_trace', 'planning_trace', 'quality_feedback', 'synthetic', 'human_annotated'];
const TASK_TYPES = ['single_step', 'multi_step', 'reasoning', 'planning', 'code_generation'];

/** What `TrainingExample(...)` in get_training_example / list_training_examples needs of an answer. */
function expectL07Example(x: unknown, what: string, required: readonly string[]): asserts x is Json {
  expectObject(x, what);
  for (const k of required) expect(k in x, `${what}: l01_example["${k}"] raises KeyError`).toBe(true);
  expect(EXAMPLE_SOURCES, `${what}: ExampleSource(${JSON.stringify(x.source_type)})`).toContain(x.source_type);
  expect(TASK_TYPES, `${what}: TaskType(${JSON.stringify(x.task_type)})`).toContain(x.task_type);
}

const GET_REQUIRED = ['id', 'source_type', 'input_text', 'quality_score', 'confidence', 'domain', 'task_type', 'difficulty'] as const;

export const l07Cases: CallerCase[] = [
  {
    id: 'L07.create_training_example',
    source: `${BRIDGE}:500`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const domain = `l07-${ctx.suffix}`;
      const e = await callJson(
        ctx.send,
        sharedReq.createTrainingExample({
          input_text: 'Plan a three-step data migration',
          execution_id: `exec-${uuid4()}`,
          task_id: `task-${uuid4()}`,
          agent_id: await ctx.agent(),
          source_type: 'planning_trace',
          output_text: '1. snapshot 2. migrate 3. verify',
          expected_actions: [{ action: 'snapshot', target: 'db' }],
          final_answer: 'Migration plan ready',
          quality_score: 78.0,
          confidence: 0.85,
          labels: ['success'],
          domain,
          task_type: 'planning',
          difficulty: 0.7,
          metadata: { extractor_version: '1.0' },
        }),
      );
      expectObject(e, 'create_training_example answer');
      ctx.remember('L07.example', { id: pyUuid(e.id, 'UUID(l01_example["id"])'), domain });
    },
  },
  {
    id: 'L07.get_training_example',
    source: `${BRIDGE}:147`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const { id, domain } = ctx.recall<{ id: string; domain: string }>('L07.example');
      const x = await callJson(ctx.send, sharedReq.getTrainingExample(id));
      expectL07Example(x, 'get_training_example', GET_REQUIRED);
      expect(x.id).toBe(id);
      expect(x.source_type).toBe('planning_trace');
      expect(x.input_text).toBe('Plan a three-step data migration');
      expect(x.quality_score).toBe(78);
      expect(x.confidence).toBe(0.85);
      expect(x.domain).toBe(domain);
      expect(x.task_type).toBe('planning');
      expect(x.difficulty).toBe(0.7);
      expect(x.expected_actions).toEqual([{ action: 'snapshot', target: 'db' }]);
      expect(x.labels).toEqual(['success']);
      expect(x.metadata).toEqual({ extractor_version: '1.0' });
    },
  },
  {
    id: 'L07.list_training_examples',
    source: `${BRIDGE}:200`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const { id, domain } = ctx.recall<{ id: string; domain: string }>('L07.example');
      const list = await callJson(ctx.send, sharedReq.listTrainingExamples({ agent_id: await ctx.agent(), domain, min_quality: '70.0', limit: 100 }));
      expectArray(list, 'list_training_examples answer');
      list.forEach((x, i) => expectL07Example(x, `list item ${i}`, GET_REQUIRED));
      expect(findBy(list, 'id', id, 'list_training_examples').quality_score).toBe(78);
    },
  },
  {
    id: 'L07.create_dataset',
    source: `${BRIDGE}:253`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // Dataset.statistics.to_dict(): the 15 DatasetStatistics fields.
      const statistics = {
        total_examples: 1, train_count: 1, validation_count: 0, test_count: 0,
        quality_score_mean: 78.0, quality_score_std: 0.0, quality_score_min: 78.0, quality_score_max: 78.0,
        confidence_mean: 0.85, confidence_std: 0.0, difficulty_mean: 0.7, difficulty_std: 0.0,
        difficulty_distribution: { hard: 1 }, domain_distribution: { planning: 1 }, task_type_distribution: { planning: 1 },
      };
      const name = `planning-traces-${ctx.suffix}`;
      const d = await callJson(ctx.send, sharedReq.createDataset({ name, version: '1.0.0', description: 'Planning traces, curated', tags: ['planning', `l07-${ctx.suffix}`], split_ratios: { train: 0.8, validation: 0.1, test: 0.1 }, statistics }));
      expectObject(d, 'create_dataset answer');
      ctx.remember('L07.dataset', { id: pyUuid(d.id, 'UUID(l01_dataset["id"])'), name });
    },
  },
  {
    id: 'L07.add_example_to_dataset',
    source: `${BRIDGE}:275`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // _get_example_split: the split listing the example, else "train". The answer is not read.
      const { id: datasetId } = ctx.recall<{ id: string }>('L07.dataset');
      const { id: exampleId } = ctx.recall<{ id: string }>('L07.example');
      await callJson(ctx.send, sharedReq.addExampleToDataset(datasetId, exampleId, 'train'));
    },
  },
  {
    id: 'L07.get_dataset',
    source: `${BRIDGE}:304`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const { id, name } = ctx.recall<{ id: string; name: string }>('L07.dataset');
      const d = await callJson(ctx.send, sharedReq.getDataset(id));
      expectObject(d, 'get_dataset answer');
      for (const k of ['id', 'name', 'version']) expect(k in d, `l01_dataset["${k}"] raises KeyError`).toBe(true);
      expect(d.id).toBe(id);
      expect(d.name).toBe(name);
      expect(d.version, 'Dataset.version is the semver string').toBe('1.0.0');
      expect(d.description).toBe('Planning traces, curated');
      expect(d.tags).toEqual(['planning', `l07-${ctx.suffix}`]);
      expect(d.split_ratios).toEqual({ train: 0.8, validation: 0.1, test: 0.1 });
      expect(d.created_by).toBe('L07 DatasetCurator');
    },
  },
  {
    id: 'L07.get_dataset_examples',
    source: `${BRIDGE}:318`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // :318 all examples, then :326 one call per split.
      const { id } = ctx.recall<{ id: string }>('L07.dataset');
      const { id: exampleId } = ctx.recall<{ id: string }>('L07.example');
      const client = new SharedClient(ctx.send);
      expect(await client.datasetExamples(id), 'all').toEqual([exampleId]);
      expect(await client.datasetExamples(id, 'train'), 'train').toEqual([exampleId]);
      expect(await client.datasetExamples(id, 'validation'), 'validation').toEqual([]);
      expect(await client.datasetExamples(id, 'test'), 'test').toEqual([]);
    },
  },
  {
    id: 'L07.get_dataset_split_counts',
    source: `${BRIDGE}:322`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      // The result is not used; the call must not raise.
      const { id } = ctx.recall<{ id: string }>('L07.dataset');
      expectObject(await callJson(ctx.send, sharedReq.getDatasetSplitCounts(id)), 'split counts');
    },
  },
  {
    id: 'L07.list_datasets',
    source: `${BRIDGE}:359`,
    section: '5.2',
    auth: 'none',
    originalWorked: true,
    async run(ctx) {
      const { id } = ctx.recall<{ id: string }>('L07.dataset');
      const list = await callJson(ctx.send, sharedReq.listDatasets({ name_filter: 'planning-traces', tag_filter: `l07-${ctx.suffix}`, limit: 100 }));
      expectArray(list, 'list_datasets answer');
      list.forEach((x, i) => {
        expectObject(x, `list item ${i}`);
        for (const k of ['id', 'name', 'version']) expect(k in x, `item ${i}: l01_ds["${k}"] raises KeyError`).toBe(true);
        expect(typeof x.version, `item ${i}: version is the semver string`).toBe('string');
      });
      expect(findBy(list, 'id', id, 'list_datasets').created_by).toBe('L07 DatasetCurator');
    },
  },
  {
    id: 'L07.check_l01_health',
    source: `${BRIDGE}:559`,
    section: '5.2',
    auth: 'none',
    // C16: L07 calls L01Client.health_check(), which the shared client does not define:
    // AttributeError before any request; L07 marks L01 unavailable. No HTTP call is made, so
    // no server can make this caller work, or fail it.
    originalWorked: false,
    unreachable: 'L07 calls L01Client.health_check(), which the shared client does not define (AttributeError, no request)',
    async run() {
      expect(SHARED_CLIENT_METHODS, 'self.l01_client.health_check() raises AttributeError: L01Client has no health_check').toContain('health_check');
    },
  },
];
