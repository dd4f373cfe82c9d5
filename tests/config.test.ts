/**
 * Configuration: what the service accepts at start, what it refuses, and how it says so.
 * A refused configuration is one readable line and exit code 1, checked on the real process.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_TOKENS, loadConfig } from '../src/config.js';
import { tracesUrl } from '../src/telemetry/tracing.js';
import { runApiToExit } from './helpers/api-process.js';

const STRONG = 'Zq8-production-key-7c1e4b9a2f6d03e5b8a1';

/** Runs `fn` and returns the ConfigError it throws (failing when it throws nothing else). */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      NODE_ENV: 'development',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/l01',
      REDIS_URL: 'redis://127.0.0.1:6379',
      L01_PORT: 8001,
      L01_BODY_LIMIT: 1024 * 1024,
    });
  });

  it('outside production, the development tokens work (alongside configured keys)', () => {
    const c = loadConfig({ NODE_ENV: 'test', L01_API_KEY: 'mine' });
    const tokens = c.tokens.map((t) => t.token);
    expect(tokens).toEqual(expect.arrayContaining(['mine', ...DEVELOPMENT_TOKENS]));
  });

  it('reads L01_API_KEYS as a comma list and L01_ADMIN_API_KEY as admin', () => {
    const c = loadConfig({ L01_API_KEYS: ' a , b,,c ', L01_ADMIN_API_KEY: 'root' });
    expect(c.tokens).toEqual(
      expect.arrayContaining([
        { token: 'a', scope: 'user' },
        { token: 'b', scope: 'user' },
        { token: 'c', scope: 'user' },
        { token: 'root', scope: 'admin' },
      ]),
    );
  });

  describe('with REDIS_CLUSTER_NODES (cluster mode)', () => {
    it('reads the seed nodes and puts every key under the hash-tagged prefix {l01}:', () => {
      const c = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002' });
      expect(c.REDIS_CLUSTER_NODES).toEqual(['10.0.0.1:7000', 'redis-b:7001', '[::1]:7002']);
      expect(c.L01_REDIS_PREFIX).toBe('{l01}:');
      expect(loadConfig({}).L01_REDIS_PREFIX).toBe('l01:');
      expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:1', L01_REDIS_PREFIX: 'svc:{events}:' }).L01_REDIS_PREFIX).toBe('svc:{events}:');
    });

    it.each(['l01:', 'l01:{}', '{l01:', 'l01}:'])('refuses the prefix %s, whose keys would spread over slots', (prefix) => {
      expect(configError({ REDIS_CLUSTER_NODES: 'a:1', L01_REDIS_PREFIX: prefix }).message).toMatch(/L01_REDIS_PREFIX must carry a hash tag/);
    });

    it('refuses a node that is not host:port', () => {
      expect(configError({ REDIS_CLUSTER_NODES: 'a:1,redis://b:2' }).message).toMatch(/REDIS_CLUSTER_NODES: must be host:port/);
    });
  });

  describe('in production', () => {
    it('accepts a strong key and drops the development tokens', () => {
      const c = loadConfig({ NODE_ENV: 'production', L01_API_KEY: STRONG });
      expect(c.tokens).toEqual([{ token: STRONG, scope: 'user' }]);
    });

    it('refuses to start without a key', () => {
      expect(configError({ NODE_ENV: 'production' }).message).toMatch(/L01_API_KEY/);
      expect(configError({ NODE_ENV: 'production', L01_API_KEY: ' , ' }).message).toMatch(/L01_API_KEY/);
    });

    it('refuses a key shorter than 32 characters, in any of the key variables', () => {
      for (const name of ['L01_API_KEY', 'L01_API_KEYS', 'L01_ADMIN_API_KEY']) {
        const env = { NODE_ENV: 'production', L01_API_KEY: STRONG, [name]: 'x7'.repeat(15) + 'q' };
        expect(configError(env).message, name).toMatch(/32 characters/);
      }
    });

    it.each([
      ['a development token', 'test_token_123'],
      ['a development token', 'dev_key_local_ONLY'],
      ['one repeated character', 'a'.repeat(40)],
      ['a placeholder', 'change-me-change-me-change-me-change-me'],
      ['a placeholder', 'your-secure-api-key-goes-here-0123456789'],
      ['a word prefix', 'password-0123456789-0123456789-01234'],
    ])('refuses %s (%s)', (_label, key) => {
      configError({ NODE_ENV: 'production', L01_API_KEY: key });
    });
  });

  it.each([
    ['L01_PORT', 'nope'],
    ['L01_PORT', '0'],
    ['L01_PORT', '65536'],
    ['L01_PORT', '80.5'],
    ['DATABASE_URL', 'mysql://localhost/l01'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['L01_BODY_LIMIT', '-1'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ])('refuses %s=%s with one line naming it', (name, value) => {
    const message = configError({ [name]: value }).message;
    expect(message).toContain(name);
  });
});


describe('tracing configuration', () => {
  it('is off unless an OTLP endpoint is set; the traces URL follows the OpenTelemetry rules', () => {
    expect(tracesUrl(loadConfig({}))).toBeUndefined();
    expect(tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }))).toBeUndefined();
    expect(tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/traces' }))).toBe('https://b/traces');
    expect(loadConfig({}).OTEL_SERVICE_NAME).toBe('l01-data-layer');
    expect(loadConfig({ OTEL_SERVICE_NAME: 'l01-eu' }).OTEL_SERVICE_NAME).toBe('l01-eu');
  });
});

describe('the API process with a bad configuration', () => {
  it.each([
    [{ L01_PORT: 'not-a-port' }, 'L01_PORT'],
    [{ NODE_ENV: 'production' }, 'L01_API_KEY'],
  ])('%o exits 1 with one line on stderr naming %s', async (env, name) => {
    const { code, stderr, stdout } = await runApiToExit(env);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  });
});
