/**
 * The events API as a consumer uses it: filters, single events, and the `after` cursor,
 * which must hand out every committed event exactly once in (transaction_id, position)
 * order, including an event whose transaction started early and committed late.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { entityByTable } from '../src/db/entities/index.js';
import { useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { eventsAfter, lastPosition, type EventRow } from './helpers/rows.js';
import { lateWriter } from './helpers/late-writer.js';
import { Samples, type Row } from './helpers/samples.js';

const t = useTestApp();
const api = client(() => t.app);
const agents = entityByTable.get('agents')!;
const goals = entityByTable.get('goals')!;

interface EventJson {
  id: string;
  position: number;
  transaction_id: string;
  cursor: string;
  event_type: string;
  entity_type: string;
  entity_id: string;
  entity_version: number;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: string;
}

const list = async (query: string) => {
  const res = await api.get(`/api/events?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<EventJson[]>();
};

/** Log order: (transaction_id, position), transaction ids compared as 64-bit numbers. */
const logOrder = (a: { transaction_id: string; position: number }, b: { transaction_id: string; position: number }) => {
  const ta = BigInt(a.transaction_id);
  const tb = BigInt(b.transaction_id);
  return ta === tb ? a.position - b.position : ta < tb ? -1 : 1;
};

/**
 * Reads from `after` as a consumer does: page by page, resuming from the last position
 * received, until `wanted` ids have all arrived. An empty page means "nothing visible
 * yet" (some transaction on the server is still open): wait and ask again.
 */
async function consume(after: number, wanted: ReadonlySet<string>, limit = 4): Promise<EventJson[]> {
  const received: EventJson[] = [];
  let cursor = after;
  for (let idle = 0; idle < 400; ) {
    const page = await list(`after=${cursor}&limit=${limit}`);
    if (page.length > 0) {
      received.push(...page);
      cursor = page.at(-1)!.position;
      continue;
    }
    const have = new Set(received.map((e) => e.id));
    if ([...wanted].every((id) => have.has(id))) return received;
    idle++;
    await sleep(25);
  }
  throw new Error(`events never became visible after ${after}: ${[...wanted].join(', ')}`);
}

let samples: Samples;
let agent: Row;
let goal: Row;
let all: EventRow[];

beforeAll(async () => {
  samples = new Samples(api);
  agent = await samples.create(agents);
  await api.put(`/api/agents/${agent.id}`, { status: 'paused' });
  goal = await samples.create(goals, { agent_id: agent.id });
  await api.put(`/api/goals/${goal.id}`, { status: 'completed' });
  const doomed = await samples.create(agents);
  await api.delete(`/api/agents/${doomed.id}`);
  all = await eventsAfter(t.db, 0);
});

describe('GET /api/events', () => {
  it('lists the log in (transaction_id, position) order, each event in its public shape', async () => {
    const events = await list('limit=1000');
    expect(events.map((e) => e.id)).toEqual([...all].sort(logOrder).map((e) => e.id));
    for (const e of events) {
      expect(e.cursor).toBe(`${e.transaction_id}-${e.position}`);
      expect(e).toEqual({
        id: expect.any(String),
        position: expect.any(Number),
        transaction_id: expect.stringMatching(/^\d+$/),
        cursor: expect.any(String),
        event_type: expect.any(String),
        entity_type: expect.any(String),
        entity_id: expect.any(String),
        entity_version: expect.any(Number),
        payload: expect.any(Object),
        metadata: expect.any(Object),
        created_at: expect.any(String),
      });
    }
  });

  it('pages with limit and offset', async () => {
    const events = await list('limit=1000');
    expect(await list('limit=2&offset=1')).toEqual(events.slice(1, 3));
  });

  it('filters on event_type', async () => {
    const created = await list('event_type=agent_created&limit=1000');
    expect(created.map((e) => e.id)).toEqual(all.filter((e) => e.event_type === 'agent_created').sort(logOrder).map((e) => e.id));
    expect(created.length).toBeGreaterThanOrEqual(3);
    expect((await list('event_type=goal_completed')).map((e) => e.entity_id)).toEqual([goal.id]);
    expect(await list('event_type=no_such_event')).toEqual([]);
  });

  it('filters on entity_type', async () => {
    const goalEvents = await list('entity_type=goal&limit=1000');
    expect(goalEvents.map((e) => e.id)).toEqual(all.filter((e) => e.entity_type === 'goal').sort(logOrder).map((e) => e.id));
    expect(goalEvents.map((e) => e.event_type)).toEqual(['goal_created', 'goal_updated', 'goal_completed']);
  });

  it('filters on entity_id, and combines filters', async () => {
    const mine = await list(`entity_id=${agent.id}`);
    expect(mine.map((e) => [e.event_type, e.entity_version])).toEqual([
      ['agent_created', 1],
      ['agent_updated', 2],
      ['agent_paused', 2],
    ]);
    expect((await list(`entity_id=${agent.id}&event_type=agent_paused`)).map((e) => e.id)).toEqual([mine[2]!.id]);
    expect(await list(`entity_id=${agent.id}&entity_type=goal`)).toEqual([]);
    expect(await list(`entity_id=${randomUUID()}`)).toEqual([]);
  });
});

describe('GET /api/events/{id}', () => {
  it('returns the event as the list shows it', async () => {
    const [first] = await list(`entity_id=${goal.id}&limit=1`);
    const res = await api.get(`/api/events/${first!.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(first);
  });

  it('answers 404 for an unknown event', async () => {
    expectProblem(await api.get(`/api/events/${randomUUID()}`), 404);
  });
});

describe('the after cursor', () => {
  it('pages through all events, each exactly once, in (transaction_id, position) order', async () => {
    const received = await consume(0, new Set(all.map((e) => e.id)), 3);
    const ids = received.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(received).toEqual([...received].sort(logOrder));
    expect(new Set(ids)).toEqual(new Set(all.map((e) => e.id)));
  });

  it('resumes from the middle of the log, combined with filters', async () => {
    const events = await list('limit=1000');
    const middle = events[Math.floor(events.length / 2)]!;
    const rest = await list(`after=${middle.position}&limit=1000`);
    expect(rest).toEqual(events.slice(events.indexOf(middle) + 1));
    const agentRest = await list(`after=${middle.position}&entity_type=agent&limit=1000`);
    expect(agentRest).toEqual(rest.filter((e) => e.entity_type === 'agent'));
  });

  it('delays, never skips, an event whose transaction started first and commits last', async () => {
    const start = await lastPosition(t.db);
    // The late transaction takes its transaction id first...
    await lateWriter(t.db, samples, async () => {
      const early = await api.post('/api/agents', await samples.body(agents));
      expect(early.statusCode).toBe(201);
      // ...so the API's committed event is not handed out yet: the open transaction may
      // still add events that sort before it.
      expect(await list(`after=${start}`)).toEqual([]);
    });

    const written = await eventsAfter(t.db, start);
    expect(written).toHaveLength(2);
    const [apiEvent, lateEvent] = written; // position order
    expect(BigInt(lateEvent!.transaction_id)).toBeLessThan(BigInt(apiEvent!.transaction_id));

    const received = await consume(start, new Set(written.map((e) => e.id)), 1);
    expect(received.map((e) => e.id)).toEqual([lateEvent!.id, apiEvent!.id]);
  });
});
