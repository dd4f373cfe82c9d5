/**
 * Waiting, in one place: a sleep that an AbortSignal ends early, and a deadline on a
 * promise. No dependencies, so the consumer helpers and the typed client use it too.
 *
 * `sleep` is built on timers/promises, which removes its abort listener once the timer
 * fires. A hand-written one that left a listener on the signal per call made a standby
 * retrying the relay lock every second grow its signal's listener list for as long as it
 * stood by (MaxListenersExceededWarning after 10 s, then unbounded memory).
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Resolves after `ms`, or as soon as `signal` aborts; never rejects. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal ? { signal } : undefined).then(
    () => {},
    () => {},
  );

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * `p`, or a TimeoutError naming `what` after `ms`. The timer is cleared either way. `p` keeps
 * running when the deadline passes: give it its own timeout where it holds a resource.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
