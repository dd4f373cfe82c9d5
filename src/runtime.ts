/**
 * How the service's processes are launched, in one place: the supervisor (every start
 * script and container goes through it) and the bench harness use these flags.
 *
 * `npm start` runs the compiled `dist/` (built by `npm run build`): running the TypeScript
 * sources through tsx costs a loader thread, ~45 MB of RSS per process. The old-space cap
 * keeps each process under the 200 MB RSS budget whatever the load: the live heap is
 * ~45–100 MB, and without a cap V8 lets garbage pile up to 130 MB+ before collecting.
 */
export const NODE_FLAGS = ['--max-old-space-size=112'] as const;

/** Node arguments for an entry file: its flags, and the tsx loader when it is TypeScript. */
export function nodeArgs(entryFile: string): string[] {
  return entryFile.endsWith('.ts') ? [...NODE_FLAGS, '--import', 'tsx'] : [...NODE_FLAGS];
}
