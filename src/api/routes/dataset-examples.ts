/**
 * Training examples in datasets: linking one with a split (train / validation / test),
 * unlinking it, listing a dataset's examples and counting them per split. A link is a
 * `dataset_examples` row (unique on dataset + example), created and deleted through
 * the writer: `dataset_example_created` / `dataset_example_deleted`. Moving a linked
 * example to another split is a PATCH of the link (`/api/dataset_examples/{link_id}`).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listDatasetExamples, SPLITS, splitCounts } from '../../db/domain/dataset-examples.js';
import { findByKey } from '../../db/domain/lookup.js';
import { datasetExamples, datasets, trainingExamples } from '../../db/entities/knowledge.js';
import { entityExists } from '../../db/read.js';
import { eventMetadata, expectedVersion } from '../context.js';
import { problemResponses, secured } from '../openapi.js';
import { notFound, Problem } from '../problems.js';
import { deletedSchema, ifMatchHeaders, sendJson, sendWritten, type RouteDeps } from '../respond.js';
import { entitySchemas, idParams, pagination } from '../schemas.js';

const tags = ['datasets'];
const linkSchemas = entitySchemas(datasetExamples);
const exampleSchemas = entitySchemas(trainingExamples);
const split = z.enum(SPLITS);

const linkParams = z.object({ id: z.guid().describe('The dataset.'), example_id: z.guid().describe('The training example.') });
/** Optional: a bodyless POST links into train. */
const linkBody = z.strictObject({ split: split.default('train') }).nullish();
const datasetExample = exampleSchemas.response.extend({
  split,
  link_id: z.guid().describe('The dataset_examples row.'),
  linked_at: z.string(),
});
const splitCountsSchema = z.object({ dataset_id: z.guid(), train: z.number().int(), validation: z.number().int(), test: z.number().int(), total: z.number().int() });

export async function registerDatasetExampleRoutes(app: FastifyInstance, { db, write }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const datasetMustExist = async (id: string) => {
    if (!(await entityExists(db, datasets, id))) throw notFound(datasets.label, id);
  };

  r.post('/api/datasets/:id/examples/:example_id', {
    config: { scope: 'user', tables: [datasetExamples.table] },
    schema: secured({
      tags,
      summary: 'Put a training example in a dataset, in a split (dataset_example_created)',
      description: 'Body optional: `{"split": "train" | "validation" | "test"}` (default train). 409 if the example is already in the dataset.',
      params: linkParams, body: linkBody, response: { 201: linkSchemas.response, ...problemResponses },
    }),
  }, async (req, reply) => {
    const { id, example_id } = req.params;
    await datasetMustExist(id);
    if (!(await entityExists(db, trainingExamples, example_id))) throw notFound(trainingExamples.label, example_id);
    const linked = await findByKey(db, datasetExamples, { dataset_id: id, training_example_id: example_id });
    if (linked) {
      const { split: current } = JSON.parse(linked.body) as { split: string };
      throw new Problem(409, 'Conflict', `training example ${example_id} is already in dataset ${id} (split ${current}); PATCH /api/dataset_examples/${linked.id} to move it`);
    }
    const result = await write({
      op: 'create', entity: datasetExamples, metadata: eventMetadata(req),
      data: { dataset_id: id, training_example_id: example_id, split: req.body?.split ?? 'train' },
    });
    if (result.ok) reply.header('location', `/api/dataset_examples/${result.id}`);
    return sendWritten(reply, result, datasetExamples.label, '', 201);
  });

  r.delete('/api/datasets/:id/examples/:example_id', {
    config: { scope: 'user', tables: [datasetExamples.table] },
    schema: secured({ tags, summary: 'Take a training example out of a dataset (dataset_example_deleted); the example itself stays', params: linkParams, headers: ifMatchHeaders, response: { 200: deletedSchema, ...problemResponses } }),
  }, async (req, reply) => {
    const { id, example_id } = req.params;
    const linked = await findByKey(db, datasetExamples, { dataset_id: id, training_example_id: example_id });
    if (!linked) throw new Problem(404, 'Not Found', `training example ${example_id} is not in dataset ${id}`);
    const result = await write({ op: 'delete', entity: datasetExamples, id: linked.id, expectedVersion: expectedVersion(req), metadata: eventMetadata(req) });
    if (!result.ok) return sendWritten(reply, result, datasetExamples.label, linked.id);
    return reply.send({ message: `${datasetExamples.label} deleted successfully` });
  });

  r.get('/api/datasets/:id/examples', {
    config: { scope: 'user', tables: [datasets.table, trainingExamples.table, datasetExamples.table] },
    schema: secured({
      tags,
      summary: 'The training examples of a dataset, each with its split, in the order they were added',
      params: idParams, querystring: z.strictObject({ ...pagination, split: split.optional() }),
      response: { 200: z.array(datasetExample), ...problemResponses },
    }),
  }, async (req, reply) => {
    const { limit, offset, split: only } = req.query;
    const body = await listDatasetExamples(db, req.params.id, only, { limit, offset });
    if (body === '[]') await datasetMustExist(req.params.id);
    return sendJson(reply, 200, body);
  });

  r.get('/api/datasets/:id/split-counts', {
    config: { scope: 'user', tables: [datasets.table, datasetExamples.table] },
    schema: secured({ tags, summary: 'How many examples a dataset has in each split', params: idParams, response: { 200: splitCountsSchema, ...problemResponses } }),
  }, async (req) => {
    const counts = await splitCounts(db, req.params.id);
    if (counts.total === 0) await datasetMustExist(req.params.id);
    return { dataset_id: req.params.id, ...counts };
  });
}
