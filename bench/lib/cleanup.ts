/**
 * Everything the harness must undo (processes, databases, Redis keys) is registered here,
 * so it is undone on the normal path (try/finally), on an error, and on Ctrl-C alike.
 * Each task runs at most once; on a signal they run newest first, like nested finally blocks.
 */
type Task = () => Promise<void>;

const pending = new Map<number, { label: string; task: Task }>();
let nextId = 0;
let aborting = false;

export class AbortedError extends Error {
  constructor(label: string) {
    super(`interrupted: not starting ${label}`);
  }
}

/** Call before starting anything that will need undoing. */
export function throwIfAborting(label: string): void {
  if (aborting) throw new AbortedError(label);
}

/**
 * Registers `task`; the returned function runs it now (once) and unregisters it. After a
 * signal nothing new may start (the benchmark code still runs until the process exits),
 * so registering throws then.
 */
export function deferCleanup(label: string, task: Task): () => Promise<void> {
  throwIfAborting(label);
  const id = nextId++;
  pending.set(id, { label, task });
  return async () => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    await entry.task();
  };
}

/** Runs every registered task, newest first; a failing task is reported, the others still run. */
export async function cleanupAll(): Promise<void> {
  const ids = [...pending.keys()].sort((a, b) => b - a);
  for (const id of ids) {
    const entry = pending.get(id);
    if (!entry) continue;
    pending.delete(id);
    try {
      await entry.task();
    } catch (err) {
      process.stderr.write(`cleanup "${entry.label}" failed: ${(err as Error).message}\n`);
    }
  }
}

/**
 * On SIGINT/SIGTERM: undo everything, then exit 130/143. A second signal while cleaning
 * up exits at once (the operator insists), which may leave a database behind: its name
 * starts with l01_bench_ and says when it was made.
 */
export function cleanupOnSignals(onSignal: (signal: NodeJS.Signals) => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    aborting = true;
    onSignal(signal);
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
