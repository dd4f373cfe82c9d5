import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Finds PostgreSQL and Redis once per run (env, local servers, else testcontainers).
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files run in parallel, each with its own database and Redis key prefix.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
