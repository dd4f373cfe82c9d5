import { ConfigError, loadConfig, type Config } from './config.js';

/**
 * Loads the configuration for an entry point; a bad value prints one clear line and
 * exits 1 (no stack trace: the operator needs the variable name, not our internals).
 */
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
