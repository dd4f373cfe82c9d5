/**
 * The relay and the `after` cursor read only below the cluster-wide xmin
 * (`pg_snapshot_xmin(pg_current_snapshot())`): a transaction holding an xid in ANY
 * database of the server, this run's or someone else's, holds every event committed after
 * it back until it ends. On a shared server that shows up as latency spikes that are not
 * the service's doing, so the harness watches for such transactions and says so.
 */
import type pg from 'pg';

export interface XminHolder {
  database: string;
  pid: number;
  seconds: number;
  query: string;
}

const MIN_SECONDS = 0.1;
const INTERVAL_MS = 100;

export class XminWatch {
  private readonly worst = new Map<number, XminHolder>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly db: pg.Pool, private readonly ownDatabase: string) {
    this.timer = setInterval(() => void this.sample(), INTERVAL_MS);
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    try {
      const { rows } = await this.db.query<XminHolder>(`
        SELECT datname AS database, pid, extract(epoch FROM now() - xact_start)::float AS seconds, left(query, 80) AS query
        FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datname <> $1 AND now() - xact_start > make_interval(secs => $2)`,
        [this.ownDatabase, MIN_SECONDS]);
      for (const r of rows) {
        const prev = this.worst.get(r.pid);
        if (!prev || r.seconds > prev.seconds) this.worst.set(r.pid, { ...r, query: r.query.replace(/\s+/g, ' ') });
      }
    } catch {
      // best effort: a diagnostic must not fail the benchmark
    }
  }

  /** Stops watching; returns the transactions of other databases that held xmin back. */
  stop(): XminHolder[] {
    clearInterval(this.timer);
    return [...this.worst.values()].sort((a, b) => b.seconds - a.seconds);
  }
}

/** One note for the report, or none when nothing else held the horizon back. */
export function xminNote(holders: XminHolder[]): string | null {
  if (holders.length === 0) return null;
  const top = holders[0]!;
  return `${holders.length} transaction(s) in other databases on the shared server held the xmin horizon back meanwhile ` +
    `(longest ${top.seconds.toFixed(2)} s in ${top.database}: "${top.query}"); events committed during one wait for it to end, ` +
    'so latency spikes of that length are the shared server, not the service';
}
