/** The config store's one read that is not a key lookup: a namespace, in key order. */
import type { Page } from '../read.js';
import type { Queryable } from '../pool.js';

/**
 * The entries of one namespace as a JSON array text, ordered by key: a range of the
 * `config_entries_namespace_key_unique` index, already in key order (no sort).
 */
export async function listNamespace(db: Queryable, namespace: string, page: Page): Promise<string> {
  const { rows } = await db.query<{ body: string }>({
    name: 'config_entries_namespace',
    text: `
      SELECT COALESCE(json_agg(to_jsonb(t) ORDER BY t.key), '[]')::text AS body
      FROM (SELECT * FROM config_entries WHERE namespace = $1 ORDER BY key LIMIT $2 OFFSET $3) AS t`,
    values: [namespace, page.limit, page.offset],
  });
  return rows[0]!.body;
}
