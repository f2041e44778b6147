/**
 * Which engine trains a run: the seam between the run manager and the engines. Backend `torch`
 * trains in Python (torch-launcher.ts); `auto` does too when an NVIDIA driver is installed and a
 * Python with torch sees a CUDA device (a tfjs backend otherwise); every other backend trains in
 * the tfjs launcher given.
 * The run manager never knows which engine runs: both speak the same messages.
 */
import { validateConfig } from '../../core/config';
import type { TrainerChannel, TrainerExit, TrainerLauncher } from '../run-manager/launcher';
import type { ChildMessage, ParentMessage } from '../run-manager/protocol';
import type { RunStore } from '../store';
import { findTorchPython, mayHaveCuda } from './python';
import { torchTrainerChannel, type PrepareRunner } from './torch-launcher';

/** The catalog setting naming the Python to use for the torch engine. */
export const PYTHON_SETTING = 'pythonPath';

/**
 * `prepare` writes a torch run's `prepared/` folder (the workbench passes one that runs in a task
 * process; default: in this process).
 */
export function engineLauncher(
  store: RunStore,
  tfjs: TrainerLauncher,
  prepare?: PrepareRunner,
): TrainerLauncher {
  return (runId) => {
    const backend = readBackend(store, runId);
    const pythonPath = store.settings()[PYTHON_SETTING];
    const torch = () =>
      torchTrainerChannel({
        store,
        runId: runId!,
        pythonPath: typeof pythonPath === 'string' && pythonPath !== '' ? pythonPath : undefined,
        prepare,
      });
    if (runId === undefined || backend === undefined) return tfjs(runId);
    if (backend === 'torch') return torch();
    if (backend !== 'auto' || !mayHaveCuda()) return tfjs(runId);
    return deferredChannel(async () => {
      const probe = await findTorchPython(typeof pythonPath === 'string' ? pythonPath : undefined);
      return probe.found && probe.found.cuda.length > 0 ? torch() : tfjs(runId);
    });
  };
}

function readBackend(store: RunStore, runId: string | undefined): string | undefined {
  if (runId === undefined) return undefined;
  try {
    return validateConfig(store.readConfig(runId)).backend;
  } catch {
    return undefined; // the tfjs trainer reports a bad config with its usual error
  }
}

/** A channel whose engine is chosen asynchronously; messages and listeners wait for it. */
function deferredChannel(choose: () => Promise<TrainerChannel>): TrainerChannel {
  let inner: TrainerChannel | undefined;
  const pending: ParentMessage[] = [];
  const messageListeners: ((message: ChildMessage) => void)[] = [];
  const exitListeners: ((exit: TrainerExit) => void)[] = [];
  let killed: NodeJS.Signals | undefined;
  choose().then(
    (channel) => {
      inner = channel;
      messageListeners.forEach((l) => channel.onMessage(l));
      exitListeners.forEach((l) => channel.onExit(l));
      for (const message of pending.splice(0)) channel.send(message);
      if (killed) channel.kill(killed);
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      messageListeners.forEach((l) => l({ type: 'failed', message }));
      exitListeners.forEach((l) => l({ code: 1, signal: null }));
    },
  );
  return {
    get pid() {
      return inner?.pid;
    },
    send: (message) => (inner ? inner.send(message) : pending.push(message)),
    onMessage: (listener) => (inner ? inner.onMessage(listener) : messageListeners.push(listener)),
    onExit: (listener) => (inner ? inner.onExit(listener) : exitListeners.push(listener)),
    kill: (signal = 'SIGKILL') => (inner ? inner.kill(signal) : (killed = signal)),
  };
}
