/** `l01 replay`: re-publish a range of the event log, marked replayed (see ../replay.ts for the ids). */
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { action, CliError, config, names, out, withDb, withRedis } from '../context.js';
import { queueReplay, replayToStreams } from '../replay.js';

const position = (v: string) => {
  if (!/^\d{1,18}$/.test(v)) throw new InvalidArgumentError('must be an event position (a non-negative integer)');
  return Number(v);
};

export function replayCommand(): Command {
  return new Command('replay')
    .description('Re-publish events from the event log, marked "replayed": true (consumers can tell). By default they are appended to the outbox and the relay publishes them to the streams and the pub/sub channels, after everything already published. With --stream, only the streams get them (no pub/sub), appended directly by this command.')
    .requiredOption('--from <position>', 'first event position (inclusive)', position)
    .option('--to <position>', 'last event position (inclusive); default: the end of the log', position)
    .option('--stream', 'streams only: append to the global and entity streams, skip the pub/sub channels')
    .option('--wait <seconds>', 'with --stream: how long to wait for the relay to catch up first', (v) => Number.parseFloat(v), 60)
    .action(action(async (o: { from: number; to?: number; stream?: boolean; wait: number }) => {
      if (o.to !== undefined && o.to < o.from) throw new CliError('--to must not be below --from');
      const range = { from: o.from, to: o.to };
      if (!o.stream) {
        const n = await withDb((db) => queueReplay(db, range));
        out(`queued ${n} event${n === 1 ? '' : 's'} for the relay to re-publish (streams and channels, marked replayed)`);
        return;
      }
      const bar = new SingleBar({ format: 'replay {bar} {value}/{total} events', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
      try {
        const n = await withRedis((redis) => withDb((db) => replayToStreams(db, redis, names(), range, {
          waitMs: o.wait * 1000,
          partitions: config().L01_RELAY_PARTITIONS,
          onStart: (total) => bar.start(total, 0),
          onProgress: (done) => bar.update(done),
        })));
        bar.stop();
        out(`appended ${n} event${n === 1 ? '' : 's'} to the streams (marked replayed; pub/sub not notified)`);
      } catch (err) {
        bar.stop();
        throw new CliError((err as Error).message);
      }
    }));
}
