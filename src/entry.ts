/**
 * What every process does first: read the configuration (a bad value prints one clear line
 * and exits 1, with no stack trace: the operator needs the variable name, not our
 * internals), make its logger, start tracing (when an OTLP endpoint is configured), and
 * bring the database up to date (once, under a lock).
 */
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrateDatabase } from './db/database.js';
import { createLogger } from './logger.js';
import { startTracing, tracesUrl, type Tracing } from './telemetry/tracing.js';

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`l01: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** The message of a startup failure, for the one line printed before exiting. */
export function describeStartupError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNREFUSED') return `cannot connect (${e.message}); is PostgreSQL running?`;
  return e.message ?? String(err);
}

/**
 * Configuration, logger, tracing and a migrated database for process `name`; exits 1 when
 * any fails. The process shuts `tracing` down last when it closes (its spans are exported then).
 * `traced: false`: a process that makes no spans (the supervisor) does not load the SDK.
 */
export async function startProcess(name: string, o: { traced?: boolean } = {}): Promise<{ config: Config; log: Logger; tracing: Tracing }> {
  const config = configOrExit();
  const log = createLogger(config.LOG_LEVEL, name);
  const url = o.traced === false ? undefined : tracesUrl(config);
  const tracing = await startTracing({ url, serviceName: config.OTEL_SERVICE_NAME, processName: name });
  if (tracing.enabled) log.info({ url }, 'exporting traces');
  try {
    await migrateDatabase(config.DATABASE_URL);
  } catch (err) {
    log.fatal({ err: describeStartupError(err) }, 'cannot prepare the database');
    process.exit(1);
  }
  return { config, log, tracing };
}
