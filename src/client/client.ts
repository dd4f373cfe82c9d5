/**
 * The typed HTTP client of the L01 API, for the other layers of the platform:
 *
 * ```ts
 * const l01 = createClient({ baseUrl: 'http://localhost:8001', token: process.env.L01_API_KEY! });
 * const agent = await l01.entity('agents').create({ name: 'Planner', agent_type: 'reasoning' });
 * await l01.entity('agents').update(agent.id, { status: 'paused' }, { ifMatch: agent.version });
 * ```
 *
 * One method family per entity table, typed from the same zod schemas the API validates
 * with (see codegen.ts). Errors are `L01ProblemError` (the API's problem details) or
 * `L01ConnectionError` (unreachable after the retries).
 *
 * Lists come a page at a time, cut by count and by bytes (a page of big rows holds fewer);
 * `iterate`, `events.since` and `page` follow the server's cursor (`X-Next-Cursor`), never
 * count the rows to decide whether more follow.
 *
 * Retries and duplicates: a 503 or a refused connection is retried with backoff
 * (transport.ts). Every write carries an `Idempotency-Key`, the same on each retry: a retry
 * of a write that committed while its answer was lost gets that answer again (status, body,
 * ETag), and nothing is written twice. Past the key's expiry (24 h by default) a create is
 * still safe: it is sent with an `id` chosen here unless you give one, and a 409 on that id
 * returns the stored entity instead of creating a second.
 */
import { randomUUID } from 'node:crypto';
import type { LogEvent } from '../wire/message.js';
import type { EntityTypes } from './entities.generated.js';
import { L01ProblemError } from './errors.js';
import { createTransport, type Send, type TransportOptions } from './transport.js';

export type Table = keyof EntityTypes;
export type Row<T extends Table> = EntityTypes[T]['row'];
export type CreateBody<T extends Table> = EntityTypes[T]['create'];
export type UpdateBody<T extends Table> = EntityTypes[T]['update'];
export type ListQuery<T extends Table> = EntityTypes[T]['list'];
/** An event of the log, as `GET /api/events` returns it. */
export type L01LogEvent = LogEvent;

export interface EventQuery {
  limit?: number;
  offset?: number;
  event_type?: string;
  entity_type?: string;
  entity_id?: string;
  /** Position of the last event you have (0 = from the start): commit-safe paging. */
  after?: number;
}

/** One page of a list, and the cursor of the next (null on the last page). */
export interface ListPage<R> {
  rows: R[];
  /** Pass as `cursor` (entity lists) or `after` (history, the log) for the next page. */
  next: string | null;
}

export interface WriteOptions {
  /** Write only if the entity is still at this version (its ETag); else a 412. */
  ifMatch?: number | string;
  signal?: AbortSignal;
}

export type ClientOptions = TransportOptions;

/** One change of `commands()`: the body of the entity's own route as `data`. */
export type Command = {
  [T in Table]:
    | { op: 'create'; entity: T; id?: string; data: CreateBody<T> }
    | { op: 'update'; entity: T; id: string; data: UpdateBody<T>; if_match?: number }
    | { op: 'delete'; entity: T; id: string; if_match?: number };
}[Table];

/** What `commands()` answers per command: the entity after it (as it was, for a delete). */
export interface CommandResult {
  op: 'create' | 'update' | 'delete';
  entity: Table;
  id: string;
  /** After the command; a delete's is the version its deleted event carries. */
  version: number;
  data: Record<string, unknown>;
}

const ifMatchHeader = (v: number | string | undefined): Record<string, string> =>
  v === undefined ? {} : { 'if-match': typeof v === 'number' ? `"${v}"` : v };

/** The routes of one entity table. */
export class EntityClient<T extends Table> {
  constructor(private readonly send: Send, readonly table: T) {}

  private path(id?: string, rest = ''): string {
    return `/api/${this.table}${id === undefined ? '' : `/${encodeURIComponent(id)}`}${rest}`;
  }

  async create(body: CreateBody<T>, opts: { signal?: AbortSignal } = {}): Promise<Row<T>> {
    const chosen = (body as { id?: string }).id;
    const withId = { ...body, id: chosen ?? randomUUID() } as CreateBody<T> & { id: string };
    try {
      return (await this.send<Row<T>>({ method: 'POST', path: this.path(), body: withId, signal: opts.signal })).body;
    } catch (err) {
      // The id was drawn here, so a 409 on it can only be this create's own earlier attempt,
      // committed while its answer was lost: the retry collided with it. Return what it stored.
      if (chosen === undefined && err instanceof L01ProblemError && err.status === 409 && err.errors.some((e) => e.field === 'body.id')) {
        return this.get(withId.id, opts);
      }
      throw err;
    }
  }

  async get(id: string, opts: { signal?: AbortSignal } = {}): Promise<Row<T>> {
    return (await this.send<Row<T>>({ method: 'GET', path: this.path(id), signal: opts.signal })).body;
  }

  async list(query: ListQuery<T> = {} as ListQuery<T>, opts: { signal?: AbortSignal } = {}): Promise<Row<T>[]> {
    return (await this.send<Row<T>[]>({ method: 'GET', path: this.path(), query: query as Record<string, unknown>, signal: opts.signal })).body;
  }

  /** One page and where the next starts: pass `next` back as `cursor`. */
  async page(query: ListQuery<T> = {} as ListQuery<T>, opts: { signal?: AbortSignal } = {}): Promise<ListPage<Row<T>>> {
    const res = await this.send<Row<T>[]>({ method: 'GET', path: this.path(), query: query as Record<string, unknown>, signal: opts.signal });
    return { rows: res.body, next: res.headers.get('x-next-cursor') };
  }

  /**
   * Every matching row, a page (`limit`, default 100) at a time, by the server's cursor: each
   * page costs the same however deep, and rows written or deleted meanwhile never shift a
   * page (no row is skipped or repeated). An `offset` given applies to the first page only.
   */
  async *iterate(query: ListQuery<T> = {} as ListQuery<T>): AsyncGenerator<Row<T>> {
    let q = { ...query, limit: (query as { limit?: number }).limit ?? 100 } as ListQuery<T> & { offset?: number; cursor?: string };
    for (;;) {
      const page = await this.page(q);
      yield* page.rows;
      if (page.next === null) return;
      const { offset: _first, ...rest } = q;
      q = { ...rest, cursor: page.next } as typeof q;
    }
  }

  /** Partial update (PATCH): only the fields sent change. */
  async update(id: string, patch: UpdateBody<T>, opts: WriteOptions = {}): Promise<Row<T>> {
    return (await this.send<Row<T>>({ method: 'PATCH', path: this.path(id), body: patch, headers: ifMatchHeader(opts.ifMatch), signal: opts.signal })).body;
  }

  async delete(id: string, opts: WriteOptions = {}): Promise<{ message: string }> {
    return (await this.send<{ message: string }>({ method: 'DELETE', path: this.path(id), headers: ifMatchHeader(opts.ifMatch), signal: opts.signal })).body;
  }

  /**
   * Events of the entity, oldest first (a deleted entity keeps its history): one page
   * (`limit`, default 100; `after` = the position of the last one you have).
   */
  async history(id: string, page: { limit?: number; offset?: number; after?: number } = {}): Promise<L01LogEvent[]> {
    return (await this.send<L01LogEvent[]>({ method: 'GET', path: this.path(id, '/history'), query: page })).body;
  }

  /** Rows of `child` whose foreign key points at this entity: `/api/agents/{id}/goals`. */
  async children<C extends EntityTypes[T]['children'] & Table>(id: string, child: C, query: ListQuery<C> = {} as ListQuery<C>): Promise<Row<C>[]> {
    return (await this.send<Row<C>[]>({ method: 'GET', path: this.path(id, `/${child}`), query: query as Record<string, unknown> })).body;
  }
}

export class EventsClient {
  constructor(private readonly send: Send) {}

  async list(query: EventQuery = {}): Promise<L01LogEvent[]> {
    return (await this.send<L01LogEvent[]>({ method: 'GET', path: '/api/events', query: { ...query } })).body;
  }

  async get(id: string): Promise<L01LogEvent> {
    return (await this.send<L01LogEvent>({ method: 'GET', path: `/api/events/${encodeURIComponent(id)}` })).body;
  }

  /** One page of the log and the `after` of the next (null: nothing more committed yet). */
  async page(query: EventQuery = {}): Promise<ListPage<L01LogEvent>> {
    const res = await this.send<L01LogEvent[]>({ method: 'GET', path: '/api/events', query: { ...query } });
    return { rows: res.body, next: res.headers.get('x-next-cursor') };
  }

  /**
   * The log from `after` on, in commit-safe order, a page at a time, until the reader is
   * caught up. A page of big events holds fewer than `pageSize`: the server's `X-Next-Cursor`,
   * not the count, says whether more follow.
   */
  async *since(after = 0, pageSize = 500): AsyncGenerator<L01LogEvent> {
    for (let cursor = after; ;) {
      const page = await this.page({ after: cursor, limit: pageSize });
      yield* page.rows;
      if (page.next === null) return;
      cursor = Number(page.next);
    }
  }
}

export class L01Client {
  readonly events: EventsClient;
  private readonly send: Send;
  private readonly families = new Map<string, EntityClient<Table>>();

  constructor(options: ClientOptions) {
    this.send = createTransport(options);
    this.events = new EventsClient(this.send);
  }

  /**
   * Several creates, updates and deletes as one transaction (`POST /api/commands`): all are
   * written or none; a failing one throws its problem, whose detail names it (`commands[<i>]`).
   */
  async commands(commands: readonly Command[], opts: { signal?: AbortSignal } = {}): Promise<CommandResult[]> {
    return (await this.send<{ results: CommandResult[] }>({ method: 'POST', path: '/api/commands', body: { commands }, signal: opts.signal })).body.results;
  }

  /** The method family of one entity table: `client.entity('agents').create(…)`. */
  entity<T extends Table>(table: T): EntityClient<T> {
    let family = this.families.get(table);
    if (!family) this.families.set(table, (family = new EntityClient(this.send, table) as EntityClient<Table>));
    return family as unknown as EntityClient<T>;
  }
}

export function createClient(options: ClientOptions): L01Client {
  return new L01Client(options);
}
