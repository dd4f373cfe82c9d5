/**
 * A connection to the Redis Cluster master that holds one key, found again on every
 * (re)connect: after a failover it follows the promoted replica.
 *
 * Why a pub/sub listener needs it: the catch-up mark (mark.ts) rests on Redis writing a
 * script's PUBLISH and later replies to a connection in execution order. That holds on the
 * node that runs publish.lua, the master of the global stream's slot. Another node gets the
 * message later, over the cluster bus, so a PONG from it proves nothing about messages still
 * on their way, and a mark advanced on it could skip an event lost in a disconnect. On the
 * owner, PUBLISH reaches local subscribers at once, as on a standalone Redis.
 *
 * ioredis takes a custom connector (`Connector`): this one asks the cluster client for the
 * key's master (refreshing its slot table first) each time it connects. A lookup that fails
 * connects to the last owner known (or the first seed), whose failure ioredis retries: a
 * connector that rejected would end the connection for good.
 */
import { createConnection } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { AbstractConnector, type Cluster, type RedisOptions } from 'ioredis';

type Address = { host: string; port: number };

const parse = (nodeKey: string): Address => {
  const i = nodeKey.lastIndexOf(':');
  return { host: nodeKey.slice(0, i), port: Number(nodeKey.slice(i + 1)) };
};

/** The `Connector` option of a Redis connection to whichever master holds `key`. */
export function slotOwnerConnector(cluster: Cluster, key: string, fallback: Address) {
  let slot: number | null = null;
  let last = fallback;

  async function owner(): Promise<Address> {
    if (cluster.status === 'wait') await cluster.connect();
    slot ??= Number(await cluster.cluster('KEYSLOT', key));
    await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
    const master = cluster.slots[slot]?.[0];
    if (master) last = parse(master);
    return last;
  }

  return class SlotOwnerConnector extends AbstractConnector {
    private readonly options: RedisOptions;

    constructor(options: unknown) {
      super((options as RedisOptions).disconnectTimeout ?? 2000);
      this.options = options as RedisOptions;
    }

    async connect() {
      this.connecting = true;
      const { host, port } = await owner().catch(() => last);
      if (!this.connecting) throw new Error('Connection is closed.');
      const stream = this.options.tls ? tlsConnect({ ...this.options.tls, host, port }) : createConnection({ host, port });
      stream.once('error', (err) => {
        this.firstError = err;
      });
      this.stream = stream;
      return stream;
    }
  };
}
