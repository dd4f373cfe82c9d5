/**
 * Finds the PostgreSQL and Redis servers the tests run against, each on its own:
 *
 *   1. `TEST_DATABASE_URL` / `TEST_REDIS_URL` when set (and they must answer: a typo there
 *      should fail loudly, not silently fall back to another server);
 *   2. else the machine's servers on 127.0.0.1:5432 (user postgres) and 127.0.0.1:6379;
 *   3. else a throwaway container through testcontainers, when a Docker engine answers;
 *   4. else an error saying what to start.
 *
 * The tests only ever create and drop their own databases on the server found here; they
 * never stop, flush or reconfigure it.
 */
import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';

export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
export const LOCAL_REDIS = 'redis://127.0.0.1:6379';

export interface Servers {
  /** A URL of the server's maintenance database; test databases are created beside it. */
  postgresUrl: string;
  redisUrl: string;
  /** Where each came from, for the one line the setup prints. */
  source: { postgres: string; redis: string };
}

export interface Started {
  url: string;
  stop(): Promise<void>;
}

/** Everything discovery touches outside itself, so its branches can be tested. */
export interface Probes {
  postgresAnswers(url: string): Promise<boolean>;
  redisAnswers(url: string): Promise<boolean>;
  dockerAnswers(): Promise<boolean>;
  startPostgres(): Promise<Started>;
  startRedis(): Promise<Started>;
}

export class NoServerError extends Error {}

export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** `docker info` exits 0 only when the client reaches an engine (a bare client is not enough). */
export function dockerAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 }, (err, stdout) => {
      resolve(!err && stdout.trim().length > 0);
    });
  });
}

async function startPostgresContainer(): Promise<Started> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:15-alpine').withDatabase('postgres').start();
  return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}

async function startRedisContainer(): Promise<Started> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7-alpine').start();
  return { url: container.getConnectionUrl(), stop: async () => void (await container.stop()) };
}

export const realProbes: Probes = {
  postgresAnswers,
  redisAnswers,
  dockerAnswers,
  startPostgres: startPostgresContainer,
  startRedis: startRedisContainer,
};

interface Wanted {
  what: 'PostgreSQL' | 'Redis';
  envName: 'TEST_DATABASE_URL' | 'TEST_REDIS_URL';
  local: string;
  answers: (url: string) => Promise<boolean>;
  start: () => Promise<Started>;
  howToStart: string;
}

async function findOne(w: Wanted, env: NodeJS.ProcessEnv, probes: Probes, started: Started[]): Promise<[string, string]> {
  const given = env[w.envName];
  if (given) {
    if (await w.answers(given)) return [given, w.envName];
    throw new NoServerError(`${w.envName} is set but ${w.what} does not answer at ${redact(given)}`);
  }
  if (await w.answers(w.local)) return [w.local, 'local'];
  if (await probes.dockerAnswers()) {
    const s = await w.start();
    started.push(s);
    return [s.url, 'testcontainers'];
  }
  throw new NoServerError(
    `no ${w.what} for the tests: nothing answers at ${redact(w.local)} and no Docker engine answers for testcontainers. ` +
      `Start one (${w.howToStart}), or set ${w.envName}.`,
  );
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/**
 * Resolves both servers. Containers started on the way are returned so the caller can stop
 * them, also when the second lookup fails.
 */
export async function discoverServers(
  env: NodeJS.ProcessEnv = process.env,
  probes: Probes = realProbes,
): Promise<{ servers: Servers; started: Started[] }> {
  const started: Started[] = [];
  try {
    const [postgresUrl, pgSource] = await findOne(
      {
        what: 'PostgreSQL',
        envName: 'TEST_DATABASE_URL',
        local: LOCAL_POSTGRES,
        answers: probes.postgresAnswers,
        start: probes.startPostgres,
        howToStart: 'e.g. `service postgresql start`, with trust auth for user postgres on 127.0.0.1:5432',
      },
      env,
      probes,
      started,
    );
    const [redisUrl, redisSource] = await findOne(
      {
        what: 'Redis',
        envName: 'TEST_REDIS_URL',
        local: LOCAL_REDIS,
        answers: probes.redisAnswers,
        start: probes.startRedis,
        howToStart: 'e.g. `service redis-server start` or `redis-server --daemonize yes`',
      },
      env,
      probes,
      started,
    );
    return { servers: { postgresUrl, redisUrl, source: { postgres: pgSource, redis: redisSource } }, started };
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw err;
  }
}
