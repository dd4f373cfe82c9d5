import type { Entity } from '../entity.js';
import * as knowledge from './knowledge.js';
import * as operations from './operations.js';
import * as planning from './planning.js';
import * as quality from './quality.js';

/**
 * Every entity of the data layer, sorted by table name: module namespace objects list
 * their exports in an order that differs between loaders (tsx, vitest), and routes, the
 * OpenAPI document and generated client types should not.
 */
export const entities: readonly Entity[] = [
  ...Object.values(planning),
  ...Object.values(knowledge),
  ...Object.values(quality),
  ...Object.values(operations),
].sort((a, b) => a.table.localeCompare(b.table));

export const entityByTable: ReadonlyMap<string, Entity> = new Map(entities.map((e) => [e.table, e]));

for (const entity of entities) {
  for (const [column, target] of Object.entries(entity.references)) {
    if (!entityByTable.has(target)) throw new Error(`${entity.table}.${column} references unknown table ${target}`);
  }
}
