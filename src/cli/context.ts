/**
 * What every command needs: the validated configuration (env, as the services read it),
 * a Postgres connection of its own, a Redis connection, and a way to fail with one line.
 */
import pg from 'pg';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { describeStartupError } from '../entry.js';
import { openRedis, type RedisClient } from '../redis.js';

/** A failure the operator caused or can fix: printed as one line, exit code 1. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

let cached: Config | undefined;
export function config(): Config {
  try {
    return (cached ??= loadConfig());
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * Runs `fn` with a dedicated connection: no statement timeout (a rebuild or a replay may
 * take minutes), named so `pg_stat_activity` shows who it is.
 */
export async function withDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: config().DATABASE_URL, connectionTimeoutMillis: 5000, application_name: 'l01-cli' });
  try {
    await db.connect();
  } catch (err) {
    throw new CliError(`cannot connect to PostgreSQL: ${describeStartupError(err)}`);
  }
  db.on('error', () => {}); // surfaced by the query in progress
  try {
    return await fn(db);
  } finally {
    await db.end().catch(() => {});
  }
}

/** Runs `fn` with a Redis connection (a cluster's, with REDIS_CLUSTER_NODES). */
export async function withRedis<T>(fn: (redis: RedisClient) => Promise<T>): Promise<T> {
  const redis = openRedis(config(), { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 3000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    throw new CliError(`cannot connect to Redis: ${(err as Error).message}`);
  }
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Key and channel prefixes, as the relay uses them. */
export const names = () => ({ prefix: config().L01_REDIS_PREFIX, channelPrefix: config().L01_CHANNEL_PREFIX });

/** Wraps a command action: CliErrors and connection failures become one line and an exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof CliError) {
        if (err.message) process.stderr.write(`l01: ${err.message}\n`);
        process.exitCode = err.exitCode;
        return;
      }
      process.stderr.write(`l01: ${describeStartupError(err)}\n`);
      process.exitCode = 1;
    }
  };
}
