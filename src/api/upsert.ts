/**
 * Create-or-update of a row named by a unique key, through the writer: the config store's PUT
 * (both surfaces: /api/config and the original's /config) and the original's dataset links.
 *
 * The lookup and the write are two statements, so another writer can get between them; the
 * race is retried once rather than surfaced: a create that loses to a concurrent create of
 * the same key (a unique violation) becomes an update, and an update of a row deleted
 * meanwhile becomes a create. Concurrent upserts of a new key thus give one create and
 * updates, never a 409 or a 500.
 */
import { findByKey, type Found } from '../db/domain/lookup.js';
import { configEntries } from '../db/entities/operations.js';
import type { Entity } from '../db/entity.js';
import type { ChangeResult, EventMetadata } from '../db/write.js';
import { Problem } from './problems.js';
import type { RouteDeps } from './respond.js';

export interface Upsert {
  entity: Entity;
  /** A unique key of the entity (findByKey), and columns of the created row. */
  key: Readonly<Record<string, unknown>>;
  /** The other columns of a create. */
  create: Readonly<Record<string, unknown>>;
  /** The columns an update sets, given the current row; null when nothing would change (no write, no event). */
  update: (current: Found) => Record<string, unknown> | null;
  metadata: EventMetadata;
  /** Runs each time the current row (or its absence) is known; throws to refuse the write (a precondition). */
  check?: (current: Found | null) => void;
  /** The version an update requires (If-Match); -1 never matches. */
  expectedVersion?: number;
  /** Whether a row deleted between the lookup and its update is created anew (default true). */
  recreate?: boolean;
}

export interface Upserted {
  /** The write's result; for an update that changed nothing, the current row. */
  result: ChangeResult;
  created: boolean;
}

/** A unique violation: another writer created the row of this key first. */
const lostCreateRace = (err: unknown) => (err as { code?: string }).code === '23505';

export async function upsertByKey({ db, write }: RouteDeps, u: Upsert, retried = false): Promise<Upserted> {
  const current = await findByKey(db, u.entity, u.key);
  u.check?.(current);
  if (!current) {
    try {
      const result = await write({ op: 'create', entity: u.entity, data: { ...u.key, ...u.create }, metadata: u.metadata });
      return { result, created: true };
    } catch (err) {
      if (!lostCreateRace(err) || retried) throw err;
      return upsertByKey({ db, write }, u, true);
    }
  }
  const data = u.update(current);
  if (data === null) return { result: { ok: true, ...current }, created: false };
  const result = await write({ op: 'update', entity: u.entity, id: current.id, data, expectedVersion: u.expectedVersion, metadata: u.metadata });
  if (!result.ok && result.reason === 'not_found' && !retried && u.recreate !== false) return upsertByKey({ db, write }, u, true);
  return { result, created: false };
}

// --------------------------------------------------------------------------------- config store

/** A type, not an interface: route params (a string record) convert to it. */
export type ConfigKey = { namespace: string; key: string };

/** HTTP preconditions of a config PUT (/api only: the original had none). */
export interface ConfigPreconditions {
  /** An If-Match header was sent (any value, `*` included): the entry must exist. */
  mustExist?: boolean;
  /** The version If-Match demands (undefined for `*`). */
  expectedVersion?: number;
  /** If-None-Match: `*`: the entry must not exist. */
  mustBeAbsent?: boolean;
}

const configName = (k: ConfigKey) => `${k.namespace}/${k.key}`;
const preconditionFailed = (detail: string) => new Problem(412, 'Precondition Failed', detail);

/**
 * The PUT of a config key, for both surfaces: creates the entry (config_created) or updates
 * it (config_updated; the description stays when `data` has none). A precondition that fails
 * throws 412; with If-Match, an entry deleted meanwhile is not created anew (it must exist).
 */
export function putConfig(deps: RouteDeps, k: ConfigKey, data: { value: unknown; description?: string | null }, metadata: EventMetadata, pre: ConfigPreconditions = {}): Promise<Upserted> {
  return upsertByKey(deps, {
    entity: configEntries,
    key: { namespace: k.namespace, key: k.key },
    create: data,
    update: () => data,
    metadata,
    expectedVersion: pre.expectedVersion,
    recreate: !pre.mustExist,
    check: (current) => {
      if (!current && pre.mustExist) throw preconditionFailed(`If-Match given, but config ${configName(k)} does not exist`);
      if (current && pre.mustBeAbsent) throw preconditionFailed(`If-None-Match: *, but config ${configName(k)} exists (version ${current.version})`);
    },
  });
}
