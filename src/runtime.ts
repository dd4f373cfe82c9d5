/**
 * How the service's processes are launched, in one place: the supervisor (every start
 * script and container goes through it), the bench harness and the process tests use these
 * flags and this environment.
 *
 * `npm start` runs the compiled `dist/` (built by `npm run build`): running the TypeScript
 * sources through tsx costs a loader thread, ~45 MB of RSS per process. The old-space cap
 * keeps each process under the 200 MB RSS budget whatever the load: the live heap is
 * ~45–100 MB, and without a cap V8 lets garbage pile up to 130 MB+ before collecting.
 *
 * The API also keeps V8's young generation small and glibc to two malloc arenas: under 8
 * clients of 1 MiB bodies its RSS peaked at 235–254 MB with the cap alone (heap growth
 * between collections and per-thread arenas, not live data), 197 MB with both, for 2,913 vs
 * 3,039 small POSTs/s (−4%, within the noise of that run; tests/hardening/body-flood).
 * The worker is not given them: its drain rate was not measured with them.
 *
 * And a fixed glibc mmap threshold (128 KiB): by default glibc raises it to the size of each
 * large block freed, so after the first 1 MiB body every later one came from the heap arenas,
 * which fragment and keep RSS. tests/hardening/body-flood (8 clients × 1 MiB bodies, 10 s):
 * peak RSS 190–208 MB without it (one CI run over the 200 MB bound), 181–186 MB with it, and
 * 101–108 bodies written instead of 64–88 (2026-12-01, 3 runs each).
 */
export const NODE_FLAGS = ['--max-old-space-size=112'] as const;
const API_FLAGS = ['--max-semi-space-size=1'] as const;

const isApi = (entryFile: string) => /(^|[\\/])server\.(ts|js)$/.test(entryFile);

/** Node arguments for an entry file: its flags, and the tsx loader when it is TypeScript. */
export function nodeArgs(entryFile: string): string[] {
  const flags = isApi(entryFile) ? [...NODE_FLAGS, ...API_FLAGS] : [...NODE_FLAGS];
  return entryFile.endsWith('.ts') ? [...flags, '--import', 'tsx'] : flags;
}

/** What an entry file's environment adds (set before the process starts: glibc reads it then). */
export function processEnv(entryFile: string): Record<string, string> {
  return isApi(entryFile) ? { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' } : {};
}
