/**
 * How the tests find their servers (tests/helpers/servers.ts), branch by branch, with fake
 * probes: no server is started or touched here. The real run of this machine takes the
 * "local servers" branch; the others must work on a machine with Docker, or none.
 */
import { describe, expect, it } from 'vitest';
import { discoverServers, LOCAL_POSTGRES, LOCAL_REDIS, NoServerError, type Probes } from './helpers/servers.js';

function fakeProbes(over: { answering?: string[]; docker?: boolean } = {}) {
  const log: string[] = [];
  const answering = new Set(over.answering ?? []);
  const probes: Probes = {
    postgresAnswers: async (url) => answering.has(url),
    redisAnswers: async (url) => answering.has(url),
    dockerAnswers: async () => over.docker ?? false,
    startPostgres: async () => {
      log.push('start postgres');
      return { url: 'postgres://test@container:1/postgres', stop: async () => void log.push('stop postgres') };
    },
    startRedis: async () => {
      log.push('start redis');
      return { url: 'redis://container:2', stop: async () => void log.push('stop redis') };
    },
  };
  return { probes, log };
}

describe('discoverServers', () => {
  it('prefers TEST_DATABASE_URL / TEST_REDIS_URL', async () => {
    const env = { TEST_DATABASE_URL: 'postgres://ci@db:5432/postgres', TEST_REDIS_URL: 'redis://cache:6379' };
    const { probes, log } = fakeProbes({ answering: [env.TEST_DATABASE_URL, env.TEST_REDIS_URL, LOCAL_POSTGRES, LOCAL_REDIS], docker: true });
    const { servers } = await discoverServers(env, probes);
    expect(servers).toMatchObject({ postgresUrl: env.TEST_DATABASE_URL, redisUrl: env.TEST_REDIS_URL });
    expect(log).toEqual([]);
  });

  it('fails loudly when a TEST_* URL is set but does not answer (no silent fallback)', async () => {
    const { probes } = fakeProbes({ answering: [LOCAL_POSTGRES, LOCAL_REDIS] });
    await expect(discoverServers({ TEST_DATABASE_URL: 'postgres://u:secret@db:5432/x' }, probes)).rejects.toThrow(
      /TEST_DATABASE_URL is set but PostgreSQL does not answer at postgres:\/\/u:\*\*\*@db/,
    );
  });

  it('uses the local servers on 5432 and 6379 when they answer, without asking Docker', async () => {
    const { probes, log } = fakeProbes({ answering: [LOCAL_POSTGRES, LOCAL_REDIS], docker: true });
    const { servers, started } = await discoverServers({}, probes);
    expect(servers).toMatchObject({ postgresUrl: LOCAL_POSTGRES, redisUrl: LOCAL_REDIS, source: { postgres: 'local', redis: 'local' } });
    expect(started).toEqual([]);
    expect(log).toEqual([]);
  });

  it('starts a container for each missing server when a Docker engine answers', async () => {
    const { probes, log } = fakeProbes({ answering: [LOCAL_REDIS], docker: true });
    const { servers, started } = await discoverServers({}, probes);
    expect(servers).toMatchObject({ postgresUrl: 'postgres://test@container:1/postgres', redisUrl: LOCAL_REDIS, source: { postgres: 'testcontainers' } });
    expect(started).toHaveLength(1);
    expect(log).toEqual(['start postgres']);
  });

  it('without servers or Docker, says what to start', async () => {
    const { probes, log } = fakeProbes({ docker: false });
    const failure = discoverServers({}, probes);
    await expect(failure).rejects.toThrow(NoServerError);
    await expect(failure).rejects.toThrow(/no PostgreSQL for the tests.*Start one .*postgresql.*or set TEST_DATABASE_URL/);
    expect(log).toEqual([]);
  });

  it('stops a container it started when the other server cannot be found', async () => {
    const { probes, log } = fakeProbes({ docker: true });
    probes.startRedis = async () => {
      throw new Error('image pull failed');
    };
    await expect(discoverServers({}, probes)).rejects.toThrow('image pull failed');
    expect(log).toEqual(['start postgres', 'stop postgres']);
  });
});
