/**
 * What one connection may hold, and for how long, so that slow or idle clients cannot pin
 * the API's connections, descriptors or memory (before this, 200 connections sending a
 * body one byte per 10 s were all still open after 125 s, and idle keep-alive connections
 * holding the descriptors got new clients refused for ~90 s):
 *
 *   headers       must arrive within L01_HEADERS_TIMEOUT_MS of the connection (or of the
 *                 previous request's start), else 408 and closed: a connection that sends
 *                 nothing counts too
 *   request       headers and body within L01_REQUEST_TIMEOUT_MS, else 408 and closed:
 *                 a body trickling a byte at a time is not idle, this is what ends it
 *   keep-alive    an idle connection between requests closes after L01_KEEP_ALIVE_TIMEOUT_MS
 *   socket        nothing moving either way for L01_SOCKET_TIMEOUT_MS (a client that stopped
 *                 reading its answer) closes it
 *   connections   at most L01_MAX_CONNECTIONS open (beyond, Node refuses the connection;
 *                 lowered to the open-file limit − 256 when that is less); from 90% of it
 *                 on, idle keep-alive connections are closed (when a new one arrives, and
 *                 when an answer leaves one idle), so idle clients give way to new ones
 *                 before anyone is refused
 *
 * Node checks the header and request deadlines every CHECK_INTERVAL_MS (its default, 30 s,
 * would let a 30 s deadline run to 60 s). The HTTP-level refusals (408, 431, a malformed
 * request) are problem details like every other error, then the connection is closed.
 */
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import { Problem, problemBody } from '../problems.js';

export type ConnectionConfig = Pick<Config,
  'L01_HEADERS_TIMEOUT_MS' | 'L01_REQUEST_TIMEOUT_MS' | 'L01_KEEP_ALIVE_TIMEOUT_MS' | 'L01_SOCKET_TIMEOUT_MS' | 'L01_MAX_CONNECTIONS'>;

const CHECK_INTERVAL_MS = 1000;
/** Share of L01_MAX_CONNECTIONS from which idle keep-alive connections are closed for new ones. */
const RECLAIM_AT = 0.9;
const LOG_EVERY_MS = 10_000;
/** Descriptors kept for everything else (Postgres and Redis connections, logs, files). */
const FD_RESERVE = 256;

/** The process's soft limit on open files (Linux), or null where it cannot be read. */
function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The Fastify (and Node http server) options that carry the timeouts. */
export function serverTimeouts(c: ConnectionConfig): Pick<FastifyServerOptions, 'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout' | 'clientErrorHandler'> & {
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
} {
  return {
    connectionTimeout: c.L01_SOCKET_TIMEOUT_MS,
    keepAliveTimeout: c.L01_KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: c.L01_REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: c.L01_HEADERS_TIMEOUT_MS,
      requestTimeout: c.L01_REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: CHECK_INTERVAL_MS,
    },
    clientErrorHandler,
  };
}

/** A request Node refused before Fastify saw it (timeout, headers too large, malformed). */
function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'the request did not arrive in time']
      : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'the request headers are too large']
        : [400, 'malformed HTTP request'];
  this.log.debug({ err: err.message, code: err.code, status }, 'client error');
  const title = STATUS_CODES[status]!;
  const body = JSON.stringify(problemBody(new Problem(status, title, detail)));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

async function connections(app: FastifyInstance, c: ConnectionConfig) {
  const server = app.server;
  // Past the descriptor limit, accepting fails and nobody is served, idle or not: the limit
  // must be below it for idle connections to be reclaimed first.
  const fds = openFileLimit();
  const max = fds !== null && c.L01_MAX_CONNECTIONS > fds - FD_RESERVE ? Math.max(1, fds - FD_RESERVE) : c.L01_MAX_CONNECTIONS;
  if (max < c.L01_MAX_CONNECTIONS) {
    app.log.warn({ configured: c.L01_MAX_CONNECTIONS, openFileLimit: fds, maxConnections: max }, 'L01_MAX_CONNECTIONS lowered below the open-file limit');
  }
  server.maxConnections = max;
  const reclaimAt = Math.max(1, Math.floor(max * RECLAIM_AT));
  let open = 0;
  let loggedAt = 0;
  const note = (msg: string) => {
    const now = Date.now();
    if (now - loggedAt < LOG_EVERY_MS) return;
    loggedAt = now;
    app.log.warn({ open, maxConnections: max }, msg);
  };

  // Closes the connections between requests only: one being read or answered, or a new
  // one that has not sent its request yet, is not idle (its deadlines apply).
  let scheduled = false;
  const reclaim = () => {
    scheduled = false;
    if (open < reclaimAt) return;
    server.closeIdleConnections();
    note('connections near the limit: idle keep-alive connections closed for new ones');
  };
  server.on('connection', (socket: Duplex) => {
    open++;
    socket.once('close', () => open--);
    if (open >= reclaimAt) reclaim();
  });
  // A connection becomes idle when its answer is sent: near the limit, it goes then, not
  // when the next client is already at the door.
  app.addHook('onResponse', (_req, _reply, done) => {
    if (open >= reclaimAt && !scheduled) {
      scheduled = true;
      setImmediate(reclaim);
    }
    done();
  });
  server.on('drop', () => {
    server.closeIdleConnections();
    note('connection refused: L01_MAX_CONNECTIONS open');
  });
}

export default fp(connections, { name: 'connections' });
