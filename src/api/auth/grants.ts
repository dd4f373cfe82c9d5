/**
 * What a caller may do, whatever proved who it is (a static key, a JWT): its grants, and
 * the one check of a table access every route and handler asks (`permits`).
 *
 *   admin          everything: every table, the operator routes and pages, /metrics
 *   metrics        /metrics (a caller with nothing else is no key elsewhere: 401)
 *   <table>:read   GET/HEAD of that entity's routes, on /api and on the original's routes
 *   <table>:write  every other method of them; includes reading the table (a write answers
 *                  with the row it wrote)
 *   *:read, *:write   the same on every table, and on the routes that span tables (below)
 *   events:read, events:write   the event log (`GET /api/events`, `GET /events`), and
 *                  appending an event of one's own (the original's `POST /events`)
 *
 * A static key's scope is a fixed set of grants: `user` is `*:read *:write` (what such a
 * key always could do), `admin` everything, `metrics` only /metrics. A JWT carries its
 * grants in its `scope` (space-separated, OAuth) or `scp` (array) claim; entries that name
 * no table here (`openid`, another service's scopes) grant nothing and are ignored.
 */
import { entities } from '../../db/entities/index.js';

/** The route-level scope of a static key, and what a route declares it needs (`config.scope`). */
export type Scope = 'user' | 'admin' | 'metrics';
export type Operation = 'read' | 'write';

export interface Grants {
  admin: boolean;
  metrics: boolean;
  /** Tables the caller may read (`*`: every one); writing one includes reading it. */
  read: ReadonlySet<string>;
  write: ReadonlySet<string>;
}

export interface Caller {
  /**
   * Stable, non-secret id, recorded as `caller` in the metadata of every event it writes and
   * keying its rate limit: `key:<configured id>` (L01_KEYS), `key:<first 12 hex of the
   * digest>` (the other key variables), `jwt:<sub>`, or `anonymous`.
   */
  id: string;
  grants: Grants;
}

/** Every table, in a route's declaration or a grant. */
export const ALL_TABLES = '*';
/** The event log, as a table of grants (it is no entity's). */
export const EVENT_LOG = 'events';

const EVERYTHING = new Set([ALL_TABLES]);
const NOTHING = new Set<string>();
const STATIC: Record<Scope, Grants> = {
  user: { admin: false, metrics: false, read: EVERYTHING, write: EVERYTHING },
  admin: { admin: true, metrics: true, read: EVERYTHING, write: EVERYTHING },
  metrics: { admin: false, metrics: true, read: NOTHING, write: NOTHING },
};

/** The grants of a static key of `scope`. */
export const grantsOfScope = (scope: Scope): Grants => STATIC[scope];

/**
 * True when `caller` may `op` the rows of `table` (an entity's table, `events`, or `*` for a
 * route that spans every table). The guard asks it for each route's declared tables; a
 * handler that decides per item (a command naming its entity) asks it itself.
 */
export function permits(caller: Caller | null | undefined, table: string, op: Operation): boolean {
  if (!caller) return false;
  const g = caller.grants;
  if (g.admin || g.write.has(ALL_TABLES) || g.write.has(table)) return true;
  return op === 'read' && (g.read.has(ALL_TABLES) || g.read.has(table));
}

/** True when the caller may call a route needing `needs` at all (the per-table check follows). */
export function reaches(g: Grants, needs: Scope): boolean {
  if (needs === 'admin') return g.admin;
  if (needs === 'metrics') return g.admin || g.metrics;
  return g.admin || g.read.size > 0 || g.write.size > 0;
}

/** A caller whose only grant is /metrics: no key anywhere else (401, not 403). */
export const onlyMetrics = (g: Grants): boolean => g.metrics && !g.admin && g.read.size === 0 && g.write.size === 0;

const TABLES = new Set([...entities.map((e) => e.table), EVENT_LOG, ALL_TABLES]);

/** The grants a JWT's `scope` / `scp` claims carry. */
export function grantsOfClaims(scope: unknown, scp: unknown): Grants {
  const entries = [
    ...(typeof scope === 'string' ? scope.split(' ') : []),
    ...(Array.isArray(scp) ? scp.filter((s): s is string => typeof s === 'string') : typeof scp === 'string' ? scp.split(' ') : []),
  ];
  const read = new Set<string>();
  const write = new Set<string>();
  let admin = false;
  let metrics = false;
  for (const entry of entries) {
    if (entry === 'admin') admin = true;
    else if (entry === 'metrics') metrics = true;
    const m = /^([a-z_*]+):(read|write)$/.exec(entry);
    if (m && TABLES.has(m[1]!)) (m[2] === 'read' ? read : write).add(m[1]!);
  }
  return { admin, metrics, read, write };
}
