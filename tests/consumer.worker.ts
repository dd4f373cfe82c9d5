/**
 * A consumer process for tests/consumer.test.ts to SIGKILL mid-handler: it reads a batch,
 * prints the id it is handling, and never finishes (so never acknowledges).
 */
import { Redis } from 'ioredis';
import { consumeStream } from '../src/consumer/index.js';

const redis = new Redis(process.env.REDIS_URL!);
await consumeStream({
  redis,
  stream: 'global',
  prefix: process.env.PREFIX!,
  group: process.env.GROUP!,
  consumer: 'doomed',
  count: 100,
  handler: async (_event, ctx) => {
    process.stdout.write(`handling ${ctx.id}\n`);
    await new Promise(() => {}); // stuck until killed
  },
});
