/**
 * docker-compose.yml cannot be run here (no Docker engine), so what can be checked without
 * one is checked: every service built from this repository gets an environment the service
 * accepts (src/config.ts, as it starts: a misspelt or invalid variable fails here, not on
 * an operator's first `up`), the processes of one deployment agree on what must be the same
 * everywhere (database, Redis, relay partitions), and the Redis Cluster profile's nodes and
 * seed list match.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';

interface Service {
  build?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  profiles?: string[];
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const ours = Object.entries(compose.services).filter(([, s]) => s.build === '.');

/** Compose's interpolation: `${X:?message}` and `${X:-default}` (the forms the file uses), `$$` → `$`. */
const given: Record<string, string> = { L01_API_KEY: 'compose-test-key-0123456789abcdef0123456789' };
function interpolate(value: string): string {
  return String(value)
    .replace(/\$\{(\w+):\?[^}]*\}/g, (_, name: string) => {
      if (!(name in given)) throw new Error(`${name} is required`);
      return given[name]!;
    })
    .replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => given[name] ?? fallback)
    .replace(/\$\$/g, '$');
}
const envOf = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));

describe('docker-compose.yml', () => {
  it('has the API and the worker in every profile', () => {
    const roles = (profile: string | undefined) => ours
      .filter(([, s]) => (s.profiles?.[0] ?? undefined) === profile)
      .map(([, s]) => (Array.isArray(s.command) ? s.command.at(-1) : ''))
      .sort();
    expect(roles(undefined)).toEqual(['api', 'worker']);
    expect(roles('cluster')).toEqual(['api', 'worker']);
  });

  it.each(ours.map(([name, s]) => [name, s] as const))('%s: the service accepts its environment (production)', (_name, s) => {
    const config = loadConfig({ NODE_ENV: 'production', ...envOf(s) });
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\//);
  });

  it('the processes of one deployment share database, Redis and relay partitions', () => {
    const byProfile = new Map<string, ReturnType<typeof loadConfig>[]>();
    for (const [, s] of ours) {
      // The scale profile's API reads a replica but writes the default deployment's primary.
      const profile = s.profiles?.[0] === 'cluster' ? 'cluster' : 'default';
      byProfile.set(profile, [...(byProfile.get(profile) ?? []), loadConfig({ NODE_ENV: 'production', ...envOf(s) })]);
    }
    for (const [profile, configs] of byProfile) {
      const shared = configs.map((c) => [c.DATABASE_URL, c.REDIS_URL ?? null, c.REDIS_CLUSTER_NODES ?? null, c.L01_REDIS_PREFIX, c.L01_RELAY_PARTITIONS]);
      expect(new Set(shared.map((x) => JSON.stringify(x))).size, `${profile}: ${JSON.stringify(shared)}`).toBe(1);
    }
    // Two deployments on one Postgres must not relay the same outbox.
    expect(byProfile.get('cluster')![0]!.DATABASE_URL).not.toBe(byProfile.get('default')![0]!.DATABASE_URL);
    expect(byProfile.get('cluster')![0]!.L01_RELAY_PARTITIONS).toBeGreaterThan(1);
  });

  it('the cluster profile seeds its clients with nodes it starts, and creates the cluster of all six', () => {
    const nodes = Object.entries(compose.services).filter(([name]) => /^redis-c\d$/.test(name));
    expect(nodes).toHaveLength(6);
    for (const [name, s] of nodes) {
      expect((s as Service & { hostname?: string }).hostname).toBe(name);
      expect(String(s.command)).toContain('--cluster-enabled yes');
    }
    const seeds = loadConfig({ NODE_ENV: 'production', ...envOf(compose.services['api-cluster']!) }).REDIS_CLUSTER_NODES!;
    for (const seed of String(seeds).split(',')) expect(nodes.map(([n]) => `${n}:6379`)).toContain(seed);
    const init = (compose.services['redis-cluster-init']!.command as string[]).join('\n');
    for (const [name] of nodes) expect(init).toContain(name);
    expect(init).toContain('--cluster-replicas 1');
  });
});
