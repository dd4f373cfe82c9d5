/**
 * `POST /api/commands`: creates, updates and deletes of any entities, applied as ONE
 * transaction (db/batch.ts): all or nothing, their events consecutive in the log (one
 * transaction id, in the order of the commands), each entity's versions in order with every
 * other writer's. Each command's `data` is validated by the same schema as the entity's own
 * route (schemas.ts `schemasOf`); the first command that fails, at validation or in the
 * database, is named by its index in the problem (`errors[].field` `body.commands.<i>…`), and
 * nothing is written. Bounded by `L01_COMMANDS_MAX` commands and `L01_BODY_LIMIT` bytes.
 *
 * An Idempotency-Key works here as on every write: the answer is stored in the batch's
 * transaction (api/idempotency).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BatchChangeFailed, type BatchChange, type Written } from '../../db/batch.js';
import { entities, entityByTable } from '../../db/entities/index.js';
import type { EventMetadata } from '../../db/write.js';
import { eventMetadata } from '../context.js';
import { secured, writeProblemResponses } from '../openapi.js';
import { idUsed, notFound, preconditionFailed, Problem, toProblem, type FieldError } from '../problems.js';
import { idempotencyHeaders, sendJson, type RouteDeps } from '../respond.js';
import { schemasOf } from '../schemas.js';

export interface CommandDeps extends RouteDeps {
  /** `L01_COMMANDS_MAX`. */
  maxCommands: number;
}

const OPS = ['create', 'update', 'delete'] as const;
const tables = entities.map((e) => e.table) as [string, ...string[]];

const command = z.strictObject({
  op: z.enum(OPS),
  entity: z.enum(tables).describe('The entity table, as in `/api/<table>`.'),
  id: z.guid().optional().describe('The entity: required by update and delete; a create draws one when omitted.'),
  data: z.record(z.string(), z.unknown()).optional()
    .describe("Create: the entity's POST body; update: its PATCH body (only the fields sent change). Validated as those routes do."),
  if_match: z.number().int().min(0).max(2_147_483_647).optional()
    .describe('Update and delete: apply only if the entity is still at this version (else 412, and nothing of the batch is written).'),
});
type Command = z.output<typeof command>;

const result = z.object({
  op: z.enum(OPS),
  entity: z.string(),
  id: z.guid(),
  version: z.number().int().describe("The entity's version after the command; a delete's is the version its `_deleted` event carries."),
  data: z.record(z.string(), z.unknown()).describe('The entity after the command (as it was, for a delete).'),
});

/**
 * The tables a body's commands write, read leniently (validation comes after the check):
 * the auth module checks each against the caller's grants before anything is written or
 * replayed (auth/index.ts `requireItems`); the route itself declares no table.
 */
function commandTables(body: unknown): Array<{ table: string; op: 'write'; what: string }> {
  const list = (body as { commands?: unknown } | null)?.commands;
  if (!Array.isArray(list)) return [];
  return list.flatMap((c: { op?: unknown; entity?: unknown } | null, i) =>
    typeof c?.entity === 'string' ? [{ table: c.entity, op: 'write' as const, what: `commands[${i}] (${String(c.op)} ${c.entity})` }] : []);
}

const at = (i: number) => `body.commands.${i}`;

/**
 * A problem about command `i`: its detail says which, its fields are under `body.commands.<i>`.
 * `columns`: the problem names columns as `body.<column>` (the database's, problems.ts), which
 * are the command's `data.<column>`; its id stays `id`.
 */
function ofCommand(i: number, c: Command, p: Problem, columns = false): Problem {
  const field = (f: string) => (columns && f !== 'body.id' ? f.replace(/^body(?=\.|$)/, `${at(i)}.data`) : f.replace(/^body(?=\.|$)/, at(i)));
  const fields = p.errors?.map((e): FieldError => ({ ...e, field: field(e.field) }));
  return new Problem(p.status, p.title, `commands[${i}] (${c.op} ${c.entity}${c.id ? ` ${c.id}` : ''}): ${p.detail ?? p.title}`,
    fields ?? [{ field: at(i), message: p.detail ?? p.title }], p.headers);
}

/** zod's issues as field errors, as the single routes name them (problems.ts fromFastify). */
function issuesOf(where: string, error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const field = (...extra: PropertyKey[]) => [where, ...issue.path, ...extra].map(String).join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => ({ field: field(k), message: 'is not a known field' }));
    return [{ field: field(), message: issue.message }];
  });
}

const invalid = (errors: FieldError[]) => new Problem(400, 'Bad Request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);

/** The change a command asks for, its data validated like the entity route's body. */
function toChange(c: Command, i: number, metadata: EventMetadata): BatchChange {
  const entity = entityByTable.get(c.entity)!;
  const schemas = schemasOf(entity);
  const refuse = (field: string, message: string): never => {
    throw ofCommand(i, c, invalid([{ field: `body.${field}`, message }]));
  };
  const parse = (schema: z.ZodType, data: unknown) => {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw ofCommand(i, c, invalid(issuesOf('body.data', parsed.error)));
    return parsed.data as Record<string, unknown>;
  };
  if (c.op === 'create') {
    if (c.if_match !== undefined) refuse('if_match', 'applies to update and delete only');
    const named = c.data?.id;
    if (c.id !== undefined && named !== undefined && String(named).toLowerCase() !== c.id.toLowerCase()) refuse('data.id', 'differs from id');
    return { op: 'create', entity, data: parse(schemas.create, { ...c.data, ...(c.id ? { id: c.id } : {}) }), metadata };
  }
  if (c.id === undefined) return refuse('id', `is required by ${c.op}`);
  if (c.op === 'update') {
    return { op: 'update', entity, id: c.id, data: parse(schemas.update, c.data ?? {}), expectedVersion: c.if_match, metadata };
  }
  if (c.data !== undefined) refuse('data', 'a delete takes no data');
  return { op: 'delete', entity, id: c.id, expectedVersion: c.if_match, metadata };
}

/** `{"results":[…]}`, each entity as JSON text as it left Postgres (never parsed here). */
function resultsBody(commands: readonly Command[], written: readonly Written[]): string {
  const items = written.map((w, i) => {
    const c = commands[i]!;
    const version = c.op === 'delete' ? w.version + 1 : w.version;
    return `{"op":${JSON.stringify(c.op)},"entity":${JSON.stringify(c.entity)},"id":${JSON.stringify(w.id)},"version":${version},"data":${w.body}}`;
  });
  return `{"results":[${items.join(',')}]}`;
}

export async function registerCommandRoutes(app: FastifyInstance, { write, maxCommands }: CommandDeps) {
  const body = z.strictObject({
    commands: z.array(command).min(1).max(maxCommands, `at most ${maxCommands} commands in one request (L01_COMMANDS_MAX)`),
  });
  app.withTypeProvider<ZodTypeProvider>().post('/api/commands', {
    config: { scope: 'user', tables: [], items: commandTables },
    schema: secured({
      tags: ['commands'],
      summary: 'Apply several creates, updates and deletes as one transaction (all or nothing)',
      description: `Up to ${maxCommands} commands (L01_COMMANDS_MAX), applied in order in one transaction; their events are consecutive in the log. ` +
        'If any command fails (validation, 404, 412 on if_match, 409), nothing is written and the problem names it: `commands[<i>]` in `detail`, `body.commands.<i>…` in `errors`.',
      headers: idempotencyHeaders,
      body,
      response: { 200: z.object({ results: z.array(result) }), ...writeProblemResponses },
    }),
  }, async (req, reply) => {
    const { commands } = req.body;
    const metadata = eventMetadata(req);
    const changes = commands.map((c, i) => toChange(c, i, metadata));
    let outcome;
    try {
      outcome = await write.batch(changes);
    } catch (err) {
      if (!(err instanceof BatchChangeFailed)) throw err;
      const c = commands[err.index]!;
      const problem = toProblem(err.cause);
      // Not the client's (a 500): the cause goes to the log, never into the answer.
      if (!problem || problem.status >= 500) throw err.cause;
      throw ofCommand(err.index, c, problem, true);
    }
    if (!outcome.ok) {
      const c = commands[outcome.index]!;
      const label = entityByTable.get(c.entity)!.label;
      const r = outcome.result;
      throw ofCommand(outcome.index, c, r.reason === 'version_mismatch' ? preconditionFailed(r.currentVersion)
        : r.reason === 'id_used' ? idUsed(label) : notFound(label, c.id ?? ''));
    }
    return sendJson(reply, 200, resultsBody(commands, outcome.results));
  });
}
