/**
 * The entry of one training process. The run manager starts it (a Node `fork` or an Electron
 * `utilityProcess`), sends `start`, and steers it with pause / resume / stop. A crash, an abort
 * in native GPU code or an out-of-memory kill ends this process only: the parent sees the exit
 * and fails the run, and the app keeps working.
 *
 * SIGINT and SIGTERM mean `stop` here, never an instant death (see stopOnTerminalSignals).
 *
 * The child opens the store with `repair: false` and writes only its run's own files; every
 * change to the catalog record goes to the parent as a `patch` (the catalog has one writer).
 */
import type { Trainer } from '../../core/train/trainer';
import { RunStore } from '../store';
import { trainStoredRun } from '../training';
import { connectToParent } from './parent-port';
import { ProgressBatcher } from './progress-batcher';
import { isParentMessage, type ChildMessage, type ParentMessage } from './protocol';

/** If the parent never answers `done` with `exit`, leave anyway after this long. */
const EXIT_FALLBACK_MS = 30_000;

const port = connectToParent<ChildMessage>('trainer-process');

/** Commands may arrive before the trainer exists (while data loads); they apply once it does. */
let trainer: Trainer | undefined;
let pauseRequested = false;
let stopRequested = false;
let started = false;

port.onMessage((message) => {
  if (!isParentMessage(message)) return;
  handle(message);
});
port.onDisconnect(() => process.exit(1));
stopOnTerminalSignals();
port.send({ type: 'ready' });

/**
 * Ctrl-C in the terminal that started the app or `mot serve` reaches this process too (it shares
 * the terminal's process group), and so may a SIGTERM sent to the whole group. Without a handler
 * Node would die at once: no final checkpoint, and the parent records the run as failed. Treat
 * either as `stop` instead: the trainer ends after its current step with a checkpoint and reports
 * `done`, the same as when the parent asks (which it does too, as it shuts down).
 */
function stopOnTerminalSignals(): void {
  const stop = () => handle({ type: 'stop' });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function handle(message: ParentMessage): void {
  switch (message.type) {
    case 'start':
      if (started) return;
      started = true;
      void train(message.dataDir, message.runId, message.resume, message.concurrentRuns);
      return;
    case 'pause':
      pauseRequested = true;
      trainer?.pause();
      return;
    case 'resume':
      pauseRequested = false;
      trainer?.resume();
      return;
    case 'stop':
      stopRequested = true;
      trainer?.stop();
      return;
    case 'exit':
      process.exit(0);
  }
}

/**
 * The gradient worker script of a data-parallel run: in a build (the app's out/main) the bundled
 * train-worker.js beside this entry; in the checkout the TypeScript source (the pool's default).
 */
function workerEntry(): URL | undefined {
  return import.meta.url.endsWith('.js')
    ? new URL('./train-worker.js', import.meta.url)
    : undefined;
}

async function train(
  dataDir: string,
  runId: string,
  resume: boolean,
  concurrentRuns: number | undefined,
): Promise<void> {
  const progress = new ProgressBatcher((records) => port.send({ type: 'progress', records }));
  try {
    const store = await RunStore.open(dataDir, { repair: false });
    const summary = await trainStoredRun(store, runId, {
      resume,
      concurrentRuns,
      workerEntry: workerEntry(),
      updateRecord: async (patch) => {
        // Records first, so a listener never sees a status ahead of the metrics behind it.
        progress.flush();
        port.send({ type: 'patch', patch });
      },
      hooks: {
        onStart: (info) => {
          trainer = info.trainer;
          if (stopRequested) trainer.stop();
          else if (pauseRequested) trainer.pause();
        },
        onTrain: (record) => progress.push(record),
        onEval: (record) => progress.push(record),
        onLog: (line) => port.send({ type: 'log', line }),
      },
    });
    progress.flush();
    port.send({ type: 'done', summary });
  } catch (error) {
    progress.flush();
    port.send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
  setTimeout(() => process.exit(0), EXIT_FALLBACK_MS).unref();
}
