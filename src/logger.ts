import pino, { type Logger, type LoggerOptions } from 'pino';

/** Secrets never reach a log line, whatever path a request or error takes. */
export const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'config.tokens',
  'token',
];

export function loggerOptions(level: string, name: string): LoggerOptions {
  return {
    level,
    name,
    redact: { paths: REDACT, censor: '[redacted]' },
    // Pretty output for a person at a terminal; JSON lines everywhere else.
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
}

export function createLogger(level: string, name: string): Logger {
  return pino(loggerOptions(level, name));
}
