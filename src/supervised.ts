/**
 * For a process started by the supervisor: stop (SIGTERM path) when the supervisor's IPC
 * channel closes, so a killed supervisor never leaves orphans behind.
 */
export function stopWithSupervisor(): void {
  if (!process.send) return;
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
