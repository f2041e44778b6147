/** Task processes: generation and the backend probe, off the serving thread. Node side only. */
import { fileURLToPath } from 'node:url';
import { forkChannel, type ForkLauncherOptions } from '../run-manager';
import { isTaskReply, type TaskReply, type TaskRequest } from './protocol';
import type { TaskLauncher } from './task-pool';

export { TaskPool } from './task-pool';
export type { TaskChannel, TaskLauncher } from './task-pool';
export type { TaskBody, TaskReply, TaskRequest } from './protocol';
export { isTaskReply, isTaskRequest } from './protocol';

/** The task entry beside this file. */
export function defaultTaskEntry(): string {
  return fileURLToPath(new URL('./task-process.ts', import.meta.url));
}

/** `child_process.fork` of the task entry, for the CLI and `mot serve`. */
export function forkTaskLauncher(options: ForkLauncherOptions = {}): TaskLauncher {
  return () =>
    forkChannel<TaskRequest, TaskReply>(options.entry ?? defaultTaskEntry(), isTaskReply, options);
}
