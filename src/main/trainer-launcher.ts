/**
 * The desktop app's training processes: Electron's `utilityProcess`, a Node child managed by
 * Electron (the main process is not a plain Node that `child_process.fork` could re-run). It
 * runs the built trainer entry, out/main/trainer-process.js (a second input of the main build,
 * see electron.vite.config.ts), which talks to us through `process.parentPort`.
 *
 * Wiring, in main: `Workbench.open(app.getPath('userData'), { launcher: utilityTrainerLauncher() })`.
 */
import { join } from 'node:path';
import { utilityProcess } from 'electron';
import type { ChildMessage } from '../services/run-manager/protocol';
import { isChildMessage } from '../services/run-manager/protocol';
import {
  TextTail,
  type TrainerChannel,
  type TrainerExit,
  type TrainerLauncher,
} from '../services/run-manager/launcher';

/**
 * Electron reports `exit` from the OS and messages through Mojo; give messages sent just before
 * the exit a moment to arrive, so a run's last report is not mistaken for a silent crash.
 */
const EXIT_SETTLE_MS = 100;

export function utilityTrainerLauncher(
  entry = join(import.meta.dirname, 'trainer-process.js'),
): TrainerLauncher {
  return () => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'MoT Workbench trainer',
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    const stderr = new TextTail();
    child.stderr?.on('data', (chunk: Buffer | string) => {
      const text = String(chunk);
      stderr.push(text);
      process.stderr.write(text);
    });
    let exited = false;
    const channel: TrainerChannel = {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (!exited) child.postMessage(message);
      },
      onMessage(listener: (message: ChildMessage) => void) {
        child.on('message', (message: unknown) => {
          if (isChildMessage(message)) listener(message);
        });
      },
      onExit(listener: (exit: TrainerExit) => void) {
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
    return channel;
  };
}
