/**
 * For a process started by the supervisor: stop (SIGTERM path) when the supervisor's IPC
 * channel closes, so a killed supervisor never leaves orphans behind.
 */
import cluster from 'node:cluster';

export function stopWithSupervisor(): void {
  if (!process.send) return;
  // A node:cluster worker (several API processes) would otherwise exit at once on the
  // disconnect (Node's own listener), without its graceful stop.
  if (cluster.worker) cluster.worker.exitedAfterDisconnect = true;
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
