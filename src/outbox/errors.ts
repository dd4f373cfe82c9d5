/**
 * The two ways publishing can fail, kept apart because they are handled oppositely:
 * - an event at fault (PoisonEventError): retried N times, then dead-lettered, and the
 *   relay goes on with the next event;
 * - the system at fault (Redis down, OOM, loading, failing over): never the event's fault,
 *   nothing is dead-lettered; the relay backs off and resumes by itself.
 */
const POISON = 'poison';

export class PoisonEventError extends Error {
  override name = 'PoisonEventError';
  /** `index` is the event's place in its batch: the events before it were published. */
  constructor(readonly index: number, readonly reason: string) {
    super(`${POISON}:${index}:${reason}`);
  }

  /** BullMQ keeps only the message of a failed job: read a PoisonEventError back from it. */
  static parse(message: string): PoisonEventError | null {
    const m = /^poison:(\d+):([\s\S]*)$/.exec(message);
    return m ? new PoisonEventError(Number(m[1]), m[2]!) : null;
  }
}
