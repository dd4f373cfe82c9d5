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
  /**
   * `streamId` names the event (`<transaction_id>-<position>`): the events of its batch
   * before it were published. By id, not by place in the batch: a publisher that read the
   * batch from the outbox may hold fewer rows than the relay claimed.
   */
  constructor(readonly streamId: string, readonly reason: string) {
    super(`${POISON}:${streamId}:${reason}`);
  }

  /** BullMQ keeps only the message of a failed job: read a PoisonEventError back from it. */
  static parse(message: string): PoisonEventError | null {
    const m = /^poison:(\d+-\d+):([\s\S]*)$/.exec(message);
    return m ? new PoisonEventError(m[1]!, m[2]!) : null;
  }
}
