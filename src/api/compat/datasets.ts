/**
 * The original's dataset ↔ training example links and dataset statistics
 * (ORIGINAL-L01-API.md 2.14 rows 62, 66–69), over the `dataset_examples` rows that
 * /api/datasets/{id}/examples serves too. Links are written through the writer:
 * `dataset_example_created` when a pair is linked, `dataset_example_updated` when a linked
 * pair moves to another split, `dataset_example_deleted` when it is unlinked.
 *
 * Where the original failed, this does what it meant to: an unknown dataset or example is a
 * 404 naming it (the original's insert hit a foreign key: 500).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { datasetExampleIds, SPLITS, splitCounts } from '../../db/domain/dataset-examples.js';
import { findByKey } from '../../db/domain/lookup.js';
import { datasetLinkStatistics } from '../../db/domain/statistics.js';
import { datasetExamples, datasets, trainingExamples } from '../../db/entities/knowledge.js';
import { entityExists } from '../../db/read.js';
import { eventMetadata } from '../context.js';
import type { RouteDeps } from '../respond.js';
import { upsertByKey } from '../upsert.js';
import { compatNotFound } from './errors.js';
import { parseOr422, secured } from './routes.js';
import { naiveUtc } from './translate.js';


const split = z.enum(SPLITS);
const linkParams = z.object({ dataset_id: z.guid(), example_id: z.guid() });
const datasetParams = z.object({ dataset_id: z.guid() });
/** `split` is required on a link (FastAPI: `split: DatasetSplit`, no default). */
const linkQuery = z.object({ split });
/** Optional on a listing; empty counts as absent, as the original's other filters (translate.ts). */
const listQuery = z.object({ split: z.preprocess((v) => (v === '' ? undefined : v), split.optional()) });

interface LinkRow {
  id: string;
  dataset_id: string;
  training_example_id: string;
  split: string;
  created_at: string;
}

/** DatasetExampleLink: the original named the example `example_id`. */
const link = (body: string) => {
  const row = JSON.parse(body) as LinkRow;
  return { id: row.id, dataset_id: row.dataset_id, example_id: row.training_example_id, split: row.split, created_at: naiveUtc(row.created_at) };
};

export function registerDatasetRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps;

  // A static segment: it wins over the resource's `/datasets/:id` whatever the order.
  app.get('/datasets/statistics', secured(datasets.table, datasetExamples.table), async () => datasetLinkStatistics(db));

  /**
   * Links the example into the dataset in `split`, or moves it there when it is linked
   * already (same link: id and created_at stay). 200 either way, as the original's upsert.
   */
  app.post('/datasets/:dataset_id/examples/:example_id', secured(datasetExamples.table), async (req) => {
    const { dataset_id, example_id } = parseOr422(linkParams, req.params, 'path');
    const { split: to } = parseOr422(linkQuery, req.query, 'query');
    if (!(await entityExists(db, datasets, dataset_id))) throw compatNotFound('Dataset not found');
    if (!(await entityExists(db, trainingExamples, example_id))) throw compatNotFound('Training example not found');
    const { result } = await upsertByKey(deps, {
      entity: datasetExamples,
      key: { dataset_id, training_example_id: example_id },
      create: { split: to },
      // Re-adding a pair in its own split changes nothing: no write, no event.
      update: (current) => ((JSON.parse(current.body) as LinkRow).split === to ? null : { split: to }),
      metadata: eventMetadata(req),
    });
    // Without If-Match an update fails only for a link deleted under it twice (the first
    // time it is created anew). A dataset or example deleted since the checks above makes
    // the create meet its foreign key: a 409 from the error handler.
    if (!result.ok) throw compatNotFound('Link not found');
    return link(result.body);
  });

  app.delete('/datasets/:dataset_id/examples/:example_id', secured(datasetExamples.table), async (req, reply) => {
    const { dataset_id, example_id } = parseOr422(linkParams, req.params, 'path');
    const found = await findByKey(db, datasetExamples, { dataset_id, training_example_id: example_id });
    if (!found) throw compatNotFound('Link not found');
    const result = await deps.write({ op: 'delete', entity: datasetExamples, id: found.id, metadata: eventMetadata(req) });
    // Unlinked by another request meanwhile: not there any more, as a second DELETE would say.
    if (!result.ok) throw compatNotFound('Link not found');
    return reply.code(204).send();
  });

  /** The example ids, oldest link first; an unknown dataset has none ([] — the original did not 404). */
  app.get('/datasets/:dataset_id/examples', secured(datasets.table, trainingExamples.table, datasetExamples.table), async (req) => {
    const { dataset_id } = parseOr422(datasetParams, req.params, 'path');
    const { split: only } = parseOr422(listQuery, req.query, 'query');
    return datasetExampleIds(db, dataset_id, only);
  });

  /** `{split: n}` for the splits that have examples: `{}` for an empty or unknown dataset. */
  app.get('/datasets/:dataset_id/split-counts', secured(datasets.table, datasetExamples.table), async (req) => {
    const { dataset_id } = parseOr422(datasetParams, req.params, 'path');
    const counts = await splitCounts(db, dataset_id);
    return Object.fromEntries(SPLITS.filter((s) => counts[s] > 0).map((s) => [s, counts[s]]));
  });
}
