/**
 * A sleep that ends early, without error, when `abort` fires. Built on timers/promises,
 * which removes its abort listener once the timer fires. The hand-written version it
 * replaces left one listener on the signal per call, so a standby retrying the relay lock
 * every second grew its signal's listener list for as long as it stood by (Node's
 * MaxListenersExceededWarning after 10 s, then unbounded memory), and so did a leader
 * backing off through a long outage.
 */
import { setTimeout as delay } from 'node:timers/promises';

export const sleep = (ms: number, abort: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal: abort }).then(
    () => {},
    () => {},
  );
