/**
 * Resident memory of the API and worker processes: VmRSS from /proc/<pid>/status every
 * 200 ms, for as long as a benchmark runs, tagged with the benchmark and the process role.
 */
import { readFileSync } from 'node:fs';
import type { Role, Service } from './service.js';

export interface RssSample {
  /** Seconds since the harness started. */
  t: number;
  bench: string;
  role: Role;
  mb: number;
  /** Taken when the service had just become ready, before any load: the baseline. */
  idle?: true;
}

const INTERVAL_MS = 200;

export function readRssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null; // exited
  }
}

export class RssSampler {
  readonly samples: RssSample[] = [];
  private readonly t0 = performance.now();
  private watched: Array<{ bench: string; service: Service }> = [];
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.sample(), INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * Samples `service` under the name `bench` until `stop()`. Call `ready()` once it is up
   * and idle: that sample is the baseline its peak is compared with.
   */
  watch(bench: string, service: Service): { ready: () => void; stop: () => void } {
    const entry = { bench, service };
    this.watched.push(entry);
    return {
      ready: () => this.sampleOne(entry, true),
      stop: () => {
        this.sampleOne(entry, false);
        this.watched = this.watched.filter((w) => w !== entry);
      },
    };
  }

  private sample(): void {
    for (const entry of this.watched) this.sampleOne(entry, false);
  }

  private sampleOne({ bench, service }: { bench: string; service: Service }, idle: boolean): void {
    const t = (performance.now() - this.t0) / 1000;
    for (const role of ['api', 'worker'] as const) {
      const pid = service.pidOf(role);
      const mb = pid === null ? null : readRssMb(pid);
      if (mb !== null) this.samples.push({ t, bench, role, mb, ...(idle ? { idle: true as const } : {}) });
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
