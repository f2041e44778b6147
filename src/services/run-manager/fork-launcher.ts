/**
 * The Node launcher: `child_process.fork` of a worker entry, for the CLI and `mot serve`.
 * The checkout runs TypeScript through tsx (see bin/mot.js), so a `.ts` entry is started with
 * tsx's loader, resolved to an absolute URL so it works whatever the working directory is.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isChildMessage } from './protocol';
import {
  TextTail,
  type MessageGuard,
  type ProcessChannel,
  type TrainerExit,
  type TrainerLauncher,
} from './launcher';

/** The trainer entry beside this file; resolved lazily so a bundle that never forks never asks. */
export function defaultTrainerEntry(): string {
  return fileURLToPath(new URL('./trainer-process.ts', import.meta.url));
}

export interface ForkLauncherOptions {
  /** The script to run (default: trainer-process.ts beside this file). */
  entry?: string;
  /** Extra environment for the child (merged over this process's). */
  env?: Record<string, string>;
  /** Extra Node flags, e.g. the memory guard's `--max-old-space-size`. */
  execArgv?: string[];
}

export function forkTrainerLauncher(options: ForkLauncherOptions = {}): TrainerLauncher {
  return () => forkChannel(options.entry ?? defaultTrainerEntry(), isChildMessage, options);
}

/** Forks `entry` and wraps it as a channel; messages that fail `guard` are dropped. */
export function forkChannel<Send, Receive>(
  entry: string,
  guard: MessageGuard<Receive>,
  options: Omit<ForkLauncherOptions, 'entry'> = {},
): ProcessChannel<Send, Receive> {
  const loader = entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  const child = fork(entry, [], {
    execArgv: [...loader, ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    // stdout is inherited (the child prints nothing there); stderr is kept for crash reports.
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'json',
  });
  const stderr = new TextTail();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr.push(chunk);
    process.stderr.write(chunk);
  });
  // Errors (spawn failure, a send to a gone process) end in 'close' too; never let them throw.
  child.on('error', () => {});
  let exited = false;
  return {
    pid: child.pid,
    send(message) {
      if (exited || !child.connected) return;
      child.send(message as object, () => {});
    },
    onMessage(listener) {
      child.on('message', (message: unknown) => {
        if (guard(message)) listener(message);
      });
    },
    onExit(listener) {
      // 'close' (not 'exit') fires after the IPC channel has delivered every message.
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        exited = true;
        const exit: TrainerExit = { code, signal, stderrTail: stderr.value };
        listener(exit);
      });
    },
    kill(signal = 'SIGKILL') {
      if (!exited) child.kill(signal);
    },
  };
}
