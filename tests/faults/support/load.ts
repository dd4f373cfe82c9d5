/**
 * Bounded write load over real HTTP: creates agents and updates them (some updates change
 * the status, which emits two events in one transaction), at a steady rate with a small
 * concurrency. Every write the API acknowledged (2xx with the entity's id and ETag) is
 * recorded for the checker; anything else is counted by status, and a request that gets
 * no answer within `timeoutMs` counts as hung.
 */
import { sleep } from './servers.js';

export const DEV_TOKEN = 'test_token_123';

/** A write the API acknowledged: this version of this entity was committed. */
export interface Ack {
  entityType: string;
  entityId: string;
  version: number;
}

export interface LoadOptions {
  baseUrl: string;
  /** Writes per second, all lanes together. */
  rate: number;
  concurrency: number;
  /** Stops by itself after this many writes. */
  maxWrites: number;
  /** A request unanswered after this long counts as hung (the API must answer, 503 at worst). */
  timeoutMs?: number;
}

export interface LoadStats {
  sent: number;
  acknowledged: number;
  /** Responses by status code; 'hung' and 'network' for requests that got none. */
  byStatus: Record<string, number>;
}

const STATUSES = ['active', 'paused', 'inactive'] as const;

export class WriteLoad {
  readonly acks: Ack[] = [];
  readonly stats: LoadStats = { sent: 0, acknowledged: 0, byStatus: {} };
  private stopped = false;
  private next = 0;
  private startedAt = 0;
  private lanes: Promise<void>[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: LoadOptions) {}

  start(): this {
    this.startedAt = Date.now();
    this.lanes = Array.from({ length: this.o.concurrency }, (_, i) => this.lane(i));
    return this;
  }

  /** Stops issuing writes and waits for those in flight. */
  async stop(): Promise<LoadStats> {
    this.stopped = true;
    await Promise.all(this.lanes);
    return this.stats;
  }

  /** Resolves once the load finished by itself (maxWrites reached). */
  async done(): Promise<LoadStats> {
    await Promise.all(this.lanes);
    return this.stats;
  }

  /** Resolves once `n` more writes were acknowledged than when called. */
  async acknowledged(n: number, timeoutMs = 60_000): Promise<void> {
    const target = this.acks.length + n;
    const deadline = Date.now() + timeoutMs;
    while (this.acks.length < target) {
      if (Date.now() > deadline) throw new Error(`only ${this.acks.length}/${target} writes acknowledged after ${timeoutMs} ms: ${JSON.stringify(this.stats.byStatus)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        const w = () => { clearTimeout(t); this.waiters.delete(w); r(); };
        this.waiters.add(w);
      });
    }
  }

  private count(key: string | number): void {
    this.stats.byStatus[key] = (this.stats.byStatus[key] ?? 0) + 1;
  }

  private async lane(lane: number): Promise<void> {
    const mine: Array<{ id: string; status: number }> = [];
    while (!this.stopped) {
      const i = this.next++;
      if (i >= this.o.maxWrites) return;
      const due = this.startedAt + (i * 1000) / this.o.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      if (this.stopped) return;
      const create = mine.length < 3 || Math.random() < 0.35;
      if (create) {
        const ack = await this.write('POST', '/api/agents', {
          name: `agent ${lane}-${i}`,
          agent_type: 'fault-test',
          capabilities: ['relay', `lane-${lane}`],
          configuration: { write: i },
        });
        if (ack) mine.push({ id: ack.entityId, status: 0 });
      } else {
        const e = mine[Math.floor(Math.random() * mine.length)]!;
        const changeStatus = Math.random() < 0.4;
        if (changeStatus) e.status = (e.status + 1) % STATUSES.length;
        await this.write('PATCH', `/api/agents/${e.id}`, changeStatus ? { status: STATUSES[e.status] } : { name: `renamed ${i}` });
      }
    }
  }

  private async write(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<Ack | null> {
    this.stats.sent++;
    let res: Response;
    try {
      res = await fetch(`${this.o.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${DEV_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 15_000),
      });
    } catch (err) {
      this.count((err as Error).name === 'TimeoutError' ? 'hung' : 'network');
      return null;
    }
    this.count(res.status);
    const text = await res.text().catch(() => '');
    if (res.status !== 200 && res.status !== 201) return null;
    const version = Number(/^"(\d+)"$/.exec(res.headers.get('etag') ?? '')?.[1]);
    const id = (JSON.parse(text) as { id: string }).id;
    const ack = { entityType: 'agent', entityId: id, version };
    this.acks.push(ack);
    this.stats.acknowledged++;
    for (const w of this.waiters) w();
    return ack;
  }
}

/** One authenticated JSON request (admin routes, single writes). */
export async function request(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEV_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
