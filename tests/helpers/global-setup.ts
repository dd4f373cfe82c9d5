/**
 * vitest global setup: finds the servers once for the whole run (starting containers only
 * when nothing else answers) and hands their URLs to every test file through `inject`.
 */
import type { TestProject } from 'vitest/node';
import { discoverServers, type Started } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    redisUrl: string;
  }
}

let started: Started[] = [];

export async function setup(project: TestProject): Promise<void> {
  const found = await discoverServers();
  started = found.started;
  project.provide('postgresUrl', found.servers.postgresUrl);
  project.provide('redisUrl', found.servers.redisUrl);
  if (found.servers.source.postgres === 'testcontainers' || found.servers.source.redis === 'testcontainers') {
    process.stdout.write(`tests: postgres from ${found.servers.source.postgres}, redis from ${found.servers.source.redis}\n`);
  }
}

export async function teardown(): Promise<void> {
  await Promise.allSettled(started.map((s) => s.stop()));
  started = [];
}
