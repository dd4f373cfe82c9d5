/** The machine's own load generators (pgbench, redis-benchmark), run as child processes. */
import { spawn } from 'node:child_process';
import { deferCleanup } from './cleanup.js';

export interface ToolOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` to completion (killed on Ctrl-C by the cleanup registry). */
export function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ToolOutput> {
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof spawn> | undefined;
    const stop = deferCleanup(cmd, async () => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    });
    child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      void stop();
      reject(err);
    });
    child.on('exit', (code) => {
      void stop();
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
