/**
 * A mixed history written by concurrent writers through THE write path (`applyChange`):
 * creates, partial updates, status changes and deletes over every entity, generically
 * from the definitions. Used by tests/cli.test.ts (small) and, run directly, to make a
 * large history for `l01 rebuild --verify`:
 *
 *   node --import tsx tests/cli.history.ts <database url> <changes> <writers>
 */
import pg from 'pg';
import { entitySchemas } from '../src/api/schemas.js';
import type { ColumnSpec } from '../src/db/columns.js';
import { entities, entityByTable } from '../src/db/entities/index.js';
import type { Entity } from '../src/db/entity.js';
import { applyChange, type ChangeResult } from '../src/db/write.js';

export interface HistoryOptions {
  writers: number;
  /** Changes attempted in all (each writes 1 or 2 events, or is refused). */
  changes: number;
  /** Restrict to these tables (and their parents); default every entity. */
  tables?: string[];
}

export interface HistoryStats {
  created: number;
  updated: number;
  deleted: number;
  /** Refused by a constraint (a parent deleted meanwhile, a row still referenced): expected. */
  refused: number;
}

let counter = 0;
const schemaCache = new Map<string, ReturnType<typeof entitySchemas>>();
const schemasOf = (e: Entity) => schemaCache.get(e.table) ?? schemaCache.set(e.table, entitySchemas(e)).get(e.table)!;
const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];

function value(spec: ColumnSpec, n: number): unknown {
  switch (spec.kind) {
    case 'varchar': return `v${n}-${Math.random().toString(36).slice(2, 8)}`.slice(0, spec.length ?? 255);
    case 'text': return `text ${n} "quoted" ünïcode ✓`;
    case 'integer':
    case 'bigint': return (spec.min ?? 0) + (n % ((spec.max ?? 1_000_000) - (spec.min ?? 0) + 1));
    case 'double': return spec.min !== undefined && spec.max !== undefined ? spec.min + ((n % 9) + 1) * ((spec.max - spec.min) / 10) : n + 0.25;
    case 'boolean': return n % 2 === 0;
    case 'jsonb': return { n, list: [n, 'two', null, true], nested: { ok: n % 3 === 0 } };
    case 'timestamp': return new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString();
    case 'uuid': return `00000000-0000-4000-8000-${String(n % 1e12).padStart(12, '0')}`;
    case 'enum': return spec.values![n % spec.values!.length];
    case 'tags': return [`tag-${n % 7}`, 'common'];
  }
}

export async function writeHistory(db: pg.Pool, o: HistoryOptions): Promise<HistoryStats> {
  const chosen = (o.tables ?? entities.map((e) => e.table)).map((t) => entityByTable.get(t)!);
  const live = new Map<string, string[]>(entities.map((e) => [e.table, []]));
  const stats: HistoryStats = { created: 0, updated: 0, deleted: 0, refused: 0 };
  const metadata = { request_id: 'history', caller: 'tests/cli.history' };
  let remaining = o.changes;

  const body = async (entity: Entity, patch: boolean): Promise<Record<string, unknown> | null> => {
    const data: Record<string, unknown> = {};
    for (const [name, col] of Object.entries(entity.columns)) {
      const spec = col.spec;
      if (spec.references) {
        if (patch) continue;
        let parent = pick(live.get(spec.references)!);
        if (!parent && spec.required) parent = (await create(entityByTable.get(spec.references)!)) ?? undefined;
        if (parent) data[name] = parent;
        else if (spec.required) return null;
      } else if (spec.required || Math.random() < 0.6) {
        data[name] = value(spec, ++counter);
      }
    }
    if (patch && Object.keys(data).length === 0) {
      const [name, col] = Object.entries(entity.columns).find(([, c]) => !c.spec.references)!;
      data[name] = value(col.spec, ++counter);
    }
    // As the API does: the schema fills defaults (create) and checks the patch (update).
    const schemas = schemasOf(entity);
    return (patch ? schemas.update : schemas.create).parse(data) as Record<string, unknown>;
  };

  const refusedOr = async <T>(p: Promise<T>): Promise<T | null> => {
    try {
      return await p;
    } catch (err) {
      if (['23503', '23505', '23514', '40P01'].includes((err as { code?: string }).code ?? '')) {
        stats.refused++;
        return null;
      }
      throw err;
    }
  };

  async function create(entity: Entity): Promise<string | null> {
    const data = await body(entity, false);
    if (!data) return null;
    const r: ChangeResult | null = await refusedOr(applyChange(db, { op: 'create', entity, data, metadata }));
    if (!r?.ok) return null;
    live.get(entity.table)!.push(r.id);
    stats.created++;
    return r.id;
  }

  async function update(entity: Entity): Promise<void> {
    const id = pick(live.get(entity.table)!);
    if (!id) return void (await create(entity));
    const data = entity.status && Math.random() < 0.5 ? { status: pick(entity.status.values) } : await body(entity, true);
    if (!data) return;
    const r = await refusedOr(applyChange(db, { op: 'update', entity, id, data, metadata }));
    if (r?.ok) stats.updated++;
  }

  async function remove(entity: Entity): Promise<void> {
    const ids = live.get(entity.table)!;
    const i = Math.floor(Math.random() * ids.length);
    const id = ids[i];
    if (!id) return;
    const r = await refusedOr(applyChange(db, { op: 'delete', entity, id, metadata }));
    if (r?.ok) {
      ids.splice(ids.indexOf(id), 1);
      stats.deleted++;
    }
  }

  const writer = async () => {
    while (remaining-- > 0) {
      const entity = pick(chosen)!;
      const roll = Math.random();
      if (roll < 0.4) await create(entity);
      else if (roll < 0.88) await update(entity);
      else await remove(entity);
    }
  };
  await Promise.all(Array.from({ length: o.writers }, writer));
  return stats;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, changes = '1000', writers = '8'] = process.argv.slice(2);
  const db = new pg.Pool({ connectionString: url, max: Number(writers) });
  const started = performance.now();
  const stats = await writeHistory(db, { writers: Number(writers), changes: Number(changes) });
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM events');
  process.stdout.write(`${JSON.stringify({ ...stats, events: Number(rows[0]!.n), seconds: ((performance.now() - started) / 1000).toFixed(1) })}\n`);
  await db.end();
}
