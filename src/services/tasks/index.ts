/** Task processes: generation and the backend probe, off the serving thread. Node side only. */
import { fileURLToPath } from 'node:url';
import { forkChannel, type ForkLauncherOptions } from '../run-manager';
import type { PrepareRunner } from '../engines/torch-launcher';
import { isTaskReply, type PrepareTorchResult, type TaskReply, type TaskRequest } from './protocol';
import type { TaskLauncher, TaskPool } from './task-pool';

export { TaskPool } from './task-pool';
export type { TaskChannel, TaskLauncher } from './task-pool';
export type {
  PrepareTorchJob,
  PrepareTorchResult,
  TaskBody,
  TaskReply,
  TaskRequest,
} from './protocol';
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

/**
 * Prepares torch runs' data in the pool's task processes, so tokenising a corpus and training a
 * BPE never stall the serving thread; a run that ends first kills its preparation.
 */
export function prepareInTaskProcess(pool: TaskPool): PrepareRunner {
  return async (job, signal) => {
    // Generation ids cannot hold ':', so this key never meets one.
    const cancelKey = `prepare:${job.runDir}`;
    const cancel = () => pool.cancel(cancelKey);
    signal.addEventListener('abort', cancel, { once: true });
    try {
      const result = (await pool.run(
        { type: 'prepareTorch', ...job },
        cancelKey,
      )) as PrepareTorchResult;
      return result.manifest;
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  };
}
