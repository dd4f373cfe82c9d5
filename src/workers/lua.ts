/**
 * The service's Lua scripts, each loaded as an ioredis command with the shared helpers of
 * lib.lua in front of it. A script's header lists its KEYS and ARGV.
 */
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.js';

const read = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
const LIB = read('lib.lua');

/** Defines `command` on `redis` from `file` (once per connection) and returns the connection, typed. */
export function withScript<C extends string, F>(redis: RedisClient, command: C, file: string, numberOfKeys?: number): RedisClient & Record<C, F> {
  const r = redis as RedisClient & Record<string, unknown>;
  if (typeof r[command] !== 'function') redis.defineCommand(command, { lua: `${LIB}\n${read(file)}`, ...(numberOfKeys === undefined ? {} : { numberOfKeys }) });
  return redis as RedisClient & Record<C, F>;
}
