/**
 * Reads over the dataset ↔ training example links (`dataset_examples`). Links are written
 * only through the writer (the routes create and delete them like any entity).
 */
import type { QueryConfig } from 'pg';
import { datasetExamples } from '../entities/knowledge.js';
import type { Page } from '../read.js';
import type { Queryable } from '../pool.js';

export const SPLITS = datasetExamples.columns.split!.spec.values as readonly ['train', 'validation', 'test'];
export type Split = (typeof SPLITS)[number];

/**
 * The training examples of a dataset, each with its `split` and `link_id`, in link order,
 * as a JSON array text. The page is cut on the links (dataset_examples_dataset_id_split_idx
 * narrows to the dataset and split) before the examples are joined by primary key.
 */
export async function listDatasetExamples(db: Queryable, datasetId: string, split: Split | undefined, page: Page): Promise<string> {
  const { rows } = await db.query<{ body: string }>({
    name: 'dataset_examples_of_dataset',
    text: `
      SELECT COALESCE(json_agg(
               to_jsonb(te) || jsonb_build_object('split', de.split, 'link_id', de.id, 'linked_at', de.created_at)
               ORDER BY de.created_at, de.id), '[]')::text AS body
      FROM (
        SELECT id, training_example_id, split, created_at FROM dataset_examples
        WHERE dataset_id = $1 AND ($2::varchar IS NULL OR split = $2::varchar)
        ORDER BY created_at, id LIMIT $3 OFFSET $4
      ) AS de
      JOIN training_examples AS te ON te.id = de.training_example_id`,
    values: [datasetId, split ?? null, page.limit, page.offset],
  });
  return rows[0]!.body;
}

/** Examples per split of one dataset: an index-only scan of dataset_examples_dataset_id_split_idx. */
export const splitCountsQuery = (datasetId: string): QueryConfig => ({
  name: 'dataset_examples_split_counts',
  text: 'SELECT split, count(*) AS n FROM dataset_examples WHERE dataset_id = $1 GROUP BY split',
  values: [datasetId],
});

export type SplitCounts = Record<Split, number> & { total: number };

export async function splitCounts(db: Queryable, datasetId: string): Promise<SplitCounts> {
  const { rows } = await db.query<{ split: Split; n: string }>(splitCountsQuery(datasetId));
  const counts = { train: 0, validation: 0, test: 0, total: 0 };
  for (const r of rows) {
    counts[r.split] = Number(r.n);
    counts.total += Number(r.n);
  }
  return counts;
}

/**
 * The ids of a dataset's training examples, in the order they were linked, as a JSON array
 * text (the original's `GET /datasets/{id}/examples`: ids only, unpaged). One range of
 * dataset_examples_dataset_id_split_idx on the dataset (the optional split filters within
 * it, so one prepared plan serves both), then a sort of that dataset's links by time.
 */
export const datasetExampleIdsQuery = (datasetId: string, split: Split | undefined): QueryConfig => ({
  name: 'dataset_example_ids',
  text: `
    SELECT COALESCE(json_agg(training_example_id ORDER BY created_at, id), '[]')::text AS body
    FROM dataset_examples
    WHERE dataset_id = $1 AND ($2::varchar IS NULL OR split = $2::varchar)`,
  values: [datasetId, split ?? null],
});

export async function datasetExampleIds(db: Queryable, datasetId: string, split: Split | undefined): Promise<string[]> {
  const { rows } = await db.query<{ body: string }>(datasetExampleIdsQuery(datasetId, split));
  return JSON.parse(rows[0]!.body) as string[];
}
