/** The typed client over real HTTP against the running API (its own database), plus its retry policy. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, L01ConnectionError, L01ProblemError, type L01Client } from '../src/client/index.js';
import { useTestApp } from './helpers/app.js';

const ctx = useTestApp();
let l01: L01Client;

beforeAll(async () => {
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = ctx.app.server.address() as AddressInfo;
  l01 = createClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'test_token_123' });
});

const problem = async (p: Promise<unknown>): Promise<L01ProblemError> => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(L01ProblemError);
  return err as L01ProblemError;
};

describe('typed client against the API', () => {
  it('creates, reads, lists, updates with If-Match, deletes, and reads the history', async () => {
    const agents = l01.entity('agents');
    const agent = await agents.create({ name: 'Planner', agent_type: 'reasoning', capabilities: ['plan'] });
    expect(agent).toMatchObject({ name: 'Planner', status: 'active', version: 1 });
    expect(await agents.get(agent.id)).toEqual(agent);
    expect((await agents.list({ agent_type: 'reasoning' })).map((a) => a.id)).toContain(agent.id);

    const paused = await agents.update(agent.id, { status: 'paused' }, { ifMatch: agent.version });
    expect(paused).toMatchObject({ status: 'paused', version: 2 });
    const stale = await problem(agents.update(agent.id, { name: 'Late' }, { ifMatch: agent.version }));
    expect(stale).toMatchObject({ status: 412, title: 'Precondition Failed', currentVersion: 2 });

    const goal = await l01.entity('goals').create({ agent_id: agent.id, description: 'Ship v1', priority: 2 });
    expect((await agents.children(agent.id, 'goals')).map((g) => g.id)).toEqual([goal.id]);
    const done = await l01.entity('goals').update(goal.id, { status: 'completed' });
    expect(done.completed_at).toEqual(expect.any(String));

    const blocked = await problem(agents.delete(agent.id));
    expect(blocked.status).toBe(409);
    await l01.entity('goals').delete(goal.id);
    expect(await agents.delete(agent.id, { ifMatch: 2 })).toEqual({ message: 'Agent deleted successfully' });
    expect((await problem(agents.get(agent.id))).status).toBe(404);

    const history = await agents.history(agent.id);
    expect(history.map((e) => e.event_type)).toEqual(['agent_created', 'agent_updated', 'agent_paused', 'agent_deleted']);
    const event = await l01.events.get(history[0]!.id);
    expect(event).toMatchObject({ entity_id: agent.id, entity_version: 1, cursor: `${event.transaction_id}-${event.position}` });
    const page = await l01.events.list({ entity_id: agent.id, limit: 2 });
    expect(page.map((e) => e.id)).toEqual(history.slice(0, 2).map((e) => e.id));
    // The cursor reader sees a transaction once every older one on the server has ended: poll.
    let all: string[] = [];
    for (const deadline = Date.now() + 15_000; all.length < history.length && Date.now() < deadline;) {
      all = [];
      for await (const e of l01.events.since(0, 2)) if (e.entity_id === agent.id) all.push(e.event_type);
    }
    expect(all).toEqual(history.map((e) => e.event_type));
  });

  it('applies commands as one transaction, and throws the problem of a failing one with nothing written', async () => {
    const id = randomUUID();
    const results = await l01.commands([
      { op: 'create', entity: 'agents', id, data: { name: 'Batched', agent_type: 'client' } },
      { op: 'update', entity: 'agents', id, data: { status: 'paused' }, if_match: 1 },
    ]);
    expect(results.map((r) => [r.op, r.id, r.version])).toEqual([['create', id, 1], ['update', id, 2]]);
    const other = randomUUID();
    const failed = await problem(l01.commands([
      { op: 'create', entity: 'agents', id: other, data: { name: 'Never', agent_type: 'client' } },
      { op: 'delete', entity: 'agents', id: randomUUID() },
    ]));
    expect(failed).toMatchObject({ status: 404, detail: expect.stringMatching(/^commands\[1\] /) });
    expect((await problem(l01.entity('agents').get(other))).status).toBe(404);
  });

  it('turns problem details into L01ProblemError with the field errors', async () => {
    const bad = await problem(l01.entity('goals').create({ agent_id: 'not-a-uuid', description: 'x' }));
    expect(bad).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(bad.errors.map((e) => e.field)).toContain('body.agent_id');
    expect(bad.requestId).toEqual(expect.any(String));
    const missing = await problem(l01.entity('goals').create({ agent_id: randomUUID(), description: 'orphan' }));
    expect(missing.status).toBe(409);
    const unauthorised = createClient({ baseUrl: l01Url(), token: 'wrong' });
    expect((await problem(unauthorised.entity('agents').list())).status).toBe(401);
  });

  it('iterates over every page of a list', async () => {
    const type = `iter-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 5; i++) await l01.entity('agents').create({ name: `a${i}`, agent_type: type });
    const names: string[] = [];
    for await (const a of l01.entity('agents').iterate({ agent_type: type, limit: 2 })) names.push(a.name);
    expect(names).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
  });
});

function l01Url(): string {
  return `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
}

/** A stand-in server: 503 for the first `failures` requests, then the real API's answer. */
function flaky(failures: number): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    if (hits <= failures) {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
      return res.end(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'the database is unavailable; retry shortly' }));
    }
    void ctx.app.inject({ method: req.method as 'GET', url: req.url!, headers: req.headers as Record<string, string> }).then((r) => {
      res.writeHead(r.statusCode, r.headers as Record<string, string>);
      res.end(r.body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits })));
}

describe('retries', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('retries a 503 with backoff, then succeeds', async () => {
    const f = await flaky(2);
    servers.push(f.server);
    const client = createClient({ baseUrl: f.url, token: 'test_token_123', backoffMs: 10 });
    expect(Array.isArray(await client.entity('agents').list({ limit: 1 }))).toBe(true);
    expect(f.hits()).toBe(3);
  });

  it('gives up after the configured attempts with the 503 as an L01ProblemError', async () => {
    const f = await flaky(100);
    servers.push(f.server);
    const client = createClient({ baseUrl: f.url, token: 'test_token_123', attempts: 3, backoffMs: 5 });
    expect(await problem(client.entity('agents').list())).toMatchObject({ status: 503 });
    expect(f.hits()).toBe(3);
  });

  it('retries a refused connection until the server is up, and reports L01ConnectionError when it never is', async () => {
    const probe = await flaky(0);
    const port = (probe.server.address() as AddressInfo).port;
    await new Promise((r) => probe.server.close(r));
    const client = createClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'test_token_123', attempts: 8, backoffMs: 100, maxBackoffMs: 200 });
    const pending = client.entity('agents').list({ limit: 1 });
    setTimeout(() => {
      const late = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
      servers.push(late);
      late.listen(port, '127.0.0.1');
    }, 150);
    expect(await pending).toEqual([]);

    const dead = createClient({ baseUrl: 'http://127.0.0.1:9', token: 'x', attempts: 2, backoffMs: 5 });
    await expect(dead.entity('agents').list()).rejects.toBeInstanceOf(L01ConnectionError);
  });

  /**
   * A proxy to the app that loses the first answer (a 503 after the request reached the API
   * and committed, as when a reply never arrives), and records each request's Idempotency-Key.
   */
  async function losingFirstAnswer() {
    const keys: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d)).on('end', () => {
        keys.push(req.headers['idempotency-key'] as string | undefined);
        const first = keys.length === 1;
        void ctx.app.inject({ method: req.method as 'POST', url: req.url!, headers: req.headers as Record<string, string>, payload: body || undefined }).then((r) => {
          if (first) return res.writeHead(503, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title: 'Service Unavailable', status: 503 }));
          res.writeHead(r.statusCode, r.headers as Record<string, string>).end(r.body);
        });
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { keys, client: createClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'test_token_123', backoffMs: 5 }) };
  }

  it('a create retried after its first attempt committed gets the stored answer (same Idempotency-Key), not a duplicate', async () => {
    const { keys, client } = await losingFirstAnswer();
    const type = `once-${randomUUID().slice(0, 8)}`;
    const agent = await client.entity('agents').create({ name: 'Once', agent_type: type });
    // POST (committed, answer lost), POST again with the same key: the first answer, replayed.
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(agent).toMatchObject({ name: 'Once', version: 1 });
    expect(await l01.entity('agents').list({ agent_type: type })).toHaveLength(1);
  });

  it('an update retried after its first attempt committed is applied once, without ifMatch', async () => {
    const agent = await l01.entity('agents').create({ name: 'Counted', agent_type: 'retry' });
    const { keys, client } = await losingFirstAnswer();
    const updated = await client.entity('agents').update(agent.id, { name: 'Counted once' });
    expect(keys).toEqual([keys[0], keys[0]]);
    expect(updated).toMatchObject({ name: 'Counted once', version: 2 });
    expect((await l01.entity('agents').history(agent.id)).map((e) => e.event_type)).toEqual(['agent_created', 'agent_updated']);
  });

  it('every write carries its own key, reads none', async () => {
    const seen: Array<[string, string | undefined]> = [];
    const server = createServer((req, res) => {
      seen.push([req.method!, req.headers['idempotency-key'] as string | undefined]);
      req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(req.method === 'GET' ? '[]' : '{}'));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = createClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'test_token_123' });
    const agents = client.entity('agents');
    await agents.list();
    await agents.create({ name: 'a', agent_type: 'b' });
    await agents.update(randomUUID(), { name: 'c' });
    await agents.delete(randomUUID());
    await client.commands([{ op: 'create', entity: 'agents', data: { name: 'd', agent_type: 'e' } }]).catch(() => {});
    expect(seen.map(([m, k]) => [m, k === undefined ? 'none' : 'key'])).toEqual([['GET', 'none'], ['POST', 'key'], ['PATCH', 'key'], ['DELETE', 'key'], ['POST', 'key']]);
    expect(new Set(seen.slice(1).map(([, k]) => k)).size).toBe(4);
  });
});
