/**
 * The worker's `/metrics` endpoint: a bare HTTP server on its own port, bound to 127.0.0.1
 * by default. It carries no token: it is protected by where it listens (a scraper on the
 * same host or, in a container, a port published only to the monitoring network). It
 * exposes counts, never event content.
 *
 * A port already taken (a second worker on the same host) is logged and the worker runs
 * on without metrics: metrics must never stop the relay.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  /** 0: a free port picked by the OS (tests); the worker does not call this when its port is 0 (off). */
  port: number;
  log: Logger;
}

export interface MetricsServer {
  /** The bound address (the real port when the OS picked it). */
  address(): AddressInfo | null;
  close(): Promise<void>;
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer | null> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try GET /metrics\n');
      return;
    }
    o.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': o.registry.contentType }).end(body),
      (err: Error) => {
        o.log.warn({ err: err.message }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  server.keepAliveTimeout = 5000;
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', (err) => {
      o.log.warn({ err: err.message, host: o.host, port: o.port }, 'worker metrics endpoint not started');
      resolve(false);
    });
    server.listen(o.port, o.host, () => resolve(true));
  });
  if (!listening) return null;
  const address = server.address() as AddressInfo;
  o.log.info({ host: address.address, port: address.port }, 'worker metrics at /metrics');
  return {
    address: () => server.address() as AddressInfo | null,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
