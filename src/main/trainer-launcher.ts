/**
 * The desktop app's worker processes: Electron's `utilityProcess`, a Node child managed by
 * Electron (the main process is not a plain Node that `child_process.fork` could re-run). Each
 * training run gets one running the built trainer entry, out/main/trainer-process.js; generation
 * and the backend probe run in out/main/task-process.js, so tfjs never runs on the main process
 * (whose event loop is the UI's). Both are inputs of the main build (electron.vite.config.ts)
 * and talk to us through `process.parentPort`.
 *
 * Wiring, in main: `Workbench.open(dir, { launcher: utilityTrainerLauncher(), taskLauncher:
 * utilityTaskLauncher() })`.
 */
import { join } from 'node:path';
import { utilityProcess } from 'electron';
import { isChildMessage, type ChildMessage, type ParentMessage } from '../services/run-manager';
import {
  TextTail,
  type MessageGuard,
  type ProcessChannel,
  type TrainerLauncher,
} from '../services/run-manager/launcher';
import { heapLimitArgs, memoryLimitBytes } from '../services/memory-guard';
import {
  isTaskReply,
  type TaskLauncher,
  type TaskReply,
  type TaskRequest,
} from '../services/tasks';

/**
 * Electron reports `exit` from the OS and messages through Mojo; give messages sent just before
 * the exit a moment to arrive, so a run's last report is not mistaken for a silent crash.
 */
const EXIT_SETTLE_MS = 100;

export function utilityTrainerLauncher(
  entry = join(import.meta.dirname, 'trainer-process.js'),
  limitBytes = memoryLimitBytes(),
): TrainerLauncher {
  return () =>
    utilityChannel<ParentMessage, ChildMessage>(entry, isChildMessage, {
      serviceName: 'MoT Workbench trainer',
      limitBytes,
    });
}

export function utilityTaskLauncher(
  entry = join(import.meta.dirname, 'task-process.js'),
  limitBytes = memoryLimitBytes(),
): TaskLauncher {
  return () =>
    utilityChannel<TaskRequest, TaskReply>(entry, isTaskReply, {
      serviceName: 'MoT Workbench generation',
      limitBytes,
    });
}

function utilityChannel<Send, Receive>(
  entry: string,
  guard: MessageGuard<Receive>,
  options: { serviceName: string; limitBytes: number },
): ProcessChannel<Send, Receive> {
  const child = utilityProcess.fork(entry, [], {
    serviceName: options.serviceName,
    stdio: ['ignore', 'inherit', 'pipe'],
    // The memory guard's heap cap, as `child_process.fork` gets it (services/memory-guard).
    execArgv: heapLimitArgs(options.limitBytes),
  });
  const stderr = new TextTail();
  child.stderr?.on('data', (chunk: Buffer | string) => {
    const text = String(chunk);
    stderr.push(text);
    process.stderr.write(text);
  });
  let exited = false;
  return {
    get pid() {
      return child.pid;
    },
    send(message) {
      if (!exited) child.postMessage(message);
    },
    onMessage(listener) {
      child.on('message', (message: unknown) => {
        if (guard(message)) listener(message);
      });
    },
    onExit(listener) {
      child.once('exit', (code: number) => {
        exited = true;
        setTimeout(
          () => listener({ code, signal: null, stderrTail: stderr.value }),
          EXIT_SETTLE_MS,
        );
      });
    },
    kill(signal = 'SIGKILL') {
      if (exited) return;
      // utilityProcess.kill() sends SIGTERM, which a process stuck in native code may ignore.
      try {
        if (child.pid !== undefined) process.kill(child.pid, signal);
        else child.kill();
      } catch {
        // Already gone: its exit event is on the way.
      }
    },
  };
}
