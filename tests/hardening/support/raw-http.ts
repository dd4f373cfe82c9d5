/**
 * HTTP as abusive clients speak it: keep-alive lanes sending big bodies, sockets that send
 * half a request and stall, or trickle it a byte at a time. Every outcome is recorded,
 * never thrown: a status, or the connection error that ended it.
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface Outcome {
  status?: number;
  error?: string;
  retryAfter?: string;
  contentType?: string;
  body?: string;
}

/** One request over `agent`; resolves with what came back (the body of errors, or of every answer with `keepBody`). */
export function send(agent: Agent | undefined, port: number, method: string, path: string, body: Buffer | string | undefined, headers: Record<string, string> = {}, o: { localAddress?: string; timeoutMs?: number; keepBody?: boolean } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({
      agent, host: '127.0.0.1', port, method, path, timeout: o.timeoutMs ?? 30_000, localAddress: o.localAddress,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => (o.keepBody || res.statusCode! >= 400) && chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode, retryAfter: res.headers['retry-after'], contentType: res.headers['content-type'],
        body: Buffer.concat(chunks).toString(),
      }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(body);
  });
}

/** Counts of outcomes by status or error code. */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const by: Record<string, number> = {};
  for (const o of outcomes) {
    const k = o.status !== undefined ? String(o.status) : o.error!;
    by[k] = (by[k] ?? 0) + 1;
  }
  return by;
}

/** `lanes` clients, each sending `next()` over its own keep-alive connection until `ms` have passed. */
export async function lanes(n: number, ms: number, next: (agent: Agent, lane: number) => Promise<Outcome>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const until = Date.now() + ms;
  await Promise.all(Array.from({ length: n }, async (_, lane) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    while (Date.now() < until) {
      const o = await next(agent, lane);
      outcomes.push(o);
      // A refused connection: the server is gone or refusing; do not spin.
      if (o.error === 'ECONNREFUSED') await new Promise((r) => setTimeout(r, 100));
    }
    agent.destroy();
  }));
  return outcomes;
}

/** A raw connection that records the first status line it receives and when the server closed it. */
export interface RawClient {
  socket: Socket;
  /** The status of the first answer, once one arrived. */
  status(): number | undefined;
  /** Resolves when the connection is closed, with the ms since it was opened. */
  closed: Promise<number>;
  /** True when the server closed it (the client never destroys it first). */
  readonly isClosed: boolean;
}

export function rawClient(port: number, localAddress?: string): RawClient {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  const opened = Date.now();
  let received = '';
  let isClosed = false;
  socket.on('data', (d: Buffer) => {
    if (received.length < 64) received += d.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => {
    isClosed = true;
    resolve(Date.now() - opened);
  }));
  return {
    socket,
    status: () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
      return m ? Number(m[1]) : undefined;
    },
    closed,
    get isClosed() {
      return isClosed;
    },
  };
}
