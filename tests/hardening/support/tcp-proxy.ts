/**
 * A TCP proxy (node:net) that can go silent: `freeze()` stops forwarding in both
 * directions without closing anything, and new connections are accepted but never
 * connected upstream — a half-open network path (a dead NAT entry, a partitioned switch),
 * where neither side sees a FIN or RST. `heal()` forwards again for new connections; the
 * frozen ones stay dead, as they would in a real network.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  freeze(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };

  const server: Server = createServer((client) => {
    track(client);
    if (frozen) return; // accepted, never answered
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => pairs.delete(pair);
    client.on('close', () => { end(); upstream.destroy(); });
    upstream.on('close', () => { end(); if (!frozen) client.destroy(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    port,
    freeze() {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    heal() {
      frozen = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
