/** `mot train` and `mot resume`: train a run in this process, with progress on stderr. */
import { resolveConfig, ffnSummary, type RunConfig } from '../../core/config';
import { BASE_CONFIG, findPreset } from '../../core/presets';
import type { TrainRecord } from '../../core/train/metrics';
import { probeTorch, selectBackend } from '../../services/backends';
import { trainOnEngine } from '../../services/engines/torch-session';
import { loadCorpus } from '../../services/corpora';
import { assertFitsMemory, memoryLimitBytes } from '../../services/memory-guard';
import { readRunConfig } from '../../services/run-data';
import { recoverInterruptedRuns } from '../../services/interrupted';
import { type RunStore, describeOwner, resolveDataDir } from '../../services/store';
import { passesLine, trainStoredRun } from '../../services/training';
import { openStore } from '../store';
import { backendFlag, numberFlag, parse, requireFlag, UsageError } from '../args';
import { readJsonFile } from '../files';
import { formatDuration, onOutputClosed, progress, result } from '../output';

export async function trainCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    preset: { type: 'string' },
    config: { type: 'string' },
    steps: { type: 'string' },
    backend: { type: 'string' },
    processes: { type: 'string' },
    workers: { type: 'string' },
    name: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (!values.preset && !values.config)
    throw new UsageError('give --preset NAME or --config FILE (see `mot presets`)');
  const config = buildConfig(values);
  assertFitsMemory(config, memoryLimitBytes());

  // Everything that can fail on bad input fails here, before the data dir is touched.
  if (config.backend === 'torch') {
    const torch = await probeTorch();
    if (!torch.available) throw new Error(torch.detail);
  } else await selectBackend(config.backend);
  const dataDir = resolveDataDir(values['data-dir']);
  loadCorpus(config.data.corpus, dataDir);

  const store = await openStore(dataDir);
  const run = await store.create({
    name: config.name,
    config,
    ffnSummary: ffnSummary(config.model),
  });
  progress(`run ${run.id} "${config.name}" (${run.ffnSummary}) in ${store.dataDir}`);
  await trainWithProgress(store, run.id, config, false);
}

export async function resumeCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { run: { type: 'string' }, 'data-dir': { type: 'string' } });
  const runId = requireFlag(values.run, 'run');
  const store = await openStore(resolveDataDir(values['data-dir']));
  // A run whose trainer was killed is still marked running: its dead owner makes it interrupted.
  await recoverInterruptedRuns(store);
  const record = store.get(runId);
  if (record.status === 'completed')
    throw new Error(`run ${runId} already completed all its steps`);
  const owner = store.owners.liveOwner(runId);
  if (owner !== undefined)
    throw new Error(
      `run ${runId} is being trained by ${describeOwner(owner)}: stop it there first`,
    );
  const config = readRunConfig(store, runId);
  assertFitsMemory(config, memoryLimitBytes(), `run ${runId}`);
  await trainWithProgress(store, runId, config, true);
}

/** Trains on the Python engine, driven like the app drives it; Ctrl-C stops with a checkpoint. */
async function trainOnTorch(
  store: RunStore,
  runId: string,
  config: RunConfig,
  printResult: boolean,
): Promise<boolean> {
  let lastPrint = 0;
  const session = trainOnEngine(store, runId, {
    onLog: (line) => progress(line.replace(/^\S+ /, '')),
    onRecords: (records) => {
      for (const r of records) {
        if (r.type === 'eval')
          progress(`eval at step ${r.step}: validation loss ${r.validationLoss.toFixed(4)}`);
        else if (performance.now() - lastPrint > 1000 || r.step === config.train.steps) {
          lastPrint = performance.now();
          progress(
            `step ${r.step}/${config.train.steps}  loss ${r.lmLoss.toFixed(4)}  lr ${r.learningRate.toExponential(2)}  ${Math.round(r.tokensPerSecond)} tok/s  ${r.stepMs.toFixed(0)} ms/step`,
          );
        }
      }
    },
  });
  const onSignal = () => {
    progress('stopping after this step (a final checkpoint is written)...');
    void session.stop().catch(() => {});
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const record = await session.finished;
    if (record.status === 'failed') throw new Error(record.error ?? 'training failed');
    if (!printResult) return record.status === 'completed';
    result({
      runId,
      status: record.status,
      step: record.lastStep,
      tokens: record.tokensSeen,
      elapsedMs: record.elapsedMs,
      finalTrainLoss: record.finalTrainLoss ?? null,
      bestValidationLoss: record.bestValidationLoss ?? null,
      completed: record.status === 'completed',
      dataDir: store.dataDir,
    });
    return record.status === 'completed';
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function buildConfig(values: {
  preset?: string;
  config?: string;
  steps?: string;
  backend?: string;
  processes?: string;
  workers?: string;
  name?: string;
}): RunConfig {
  const base = values.preset ? findPreset(values.preset).config : BASE_CONFIG;
  const fromFile = values.config ? readJsonFile(values.config) : {};
  const overrides: Record<string, unknown> = {};
  if (values.steps !== undefined) {
    const steps = numberFlag(values.steps, 'steps', 0, 1, 10_000_000);
    overrides.train = { steps, warmupSteps: Math.min(steps, base.train.warmupSteps) };
  }
  if (values.backend !== undefined) overrides.backend = backendFlag(values.backend);
  if (values.processes !== undefined)
    overrides.train = {
      ...(overrides.train as object),
      processes: numberFlag(values.processes, 'processes', 1, 1, 4096),
    };
  if (values.workers !== undefined)
    overrides.train = {
      ...(overrides.train as object),
      workers:
        values.workers === 'auto' ? 'auto' : numberFlag(values.workers, 'workers', 1, 1, 256),
    };
  if (values.name !== undefined) overrides.name = values.name;
  const merged = resolveConfig(base, fromFile);
  return resolveConfig(merged, overrides);
}

/**
 * Trains with a progress line about once a second; Ctrl-C stops after the step with a checkpoint.
 * This process claims the run first (refused, naming the owner, if a live process trains it) and
 * gives it up at the end; should another process ever take it over, training stops.
 * Prints the JSON summary on stdout unless `printResult` is false (a study prints its report
 * instead); returns whether the run completed (false: stopped by a signal).
 */
export async function trainWithProgress(
  store: RunStore,
  runId: string,
  config: RunConfig,
  resume: boolean,
  printResult = true,
): Promise<boolean> {
  if (config.backend === 'torch') return trainOnTorch(store, runId, config, printResult);
  let lastPrint = 0;
  let lastValidation: number | null = null;
  let stopTrainer: (() => void) | null = null;
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    stopTrainer?.();
  };
  const onSignal = () => {
    progress('stopping after this step (a final checkpoint is written)...');
    stop();
  };
  let lost = false;
  await store.owners.claim(runId, 'mot train', () => {
    lost = true;
    progress(`mot: another process took over run ${runId}; stopping without writing more`);
    stopTrainer?.();
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Nobody reads the progress any more (`mot train | head`): stop the same way.
  const offOutputClosed = onOutputClosed(stop);
  const print = (r: TrainRecord) => {
    const remaining =
      ((config.train.steps - r.step) * r.elapsedMs) / Math.max(1, r.step - startStep);
    progress(
      `step ${r.step}/${config.train.steps}  loss ${r.lmLoss.toFixed(4)}` +
        (lastValidation !== null ? `  val ${lastValidation.toFixed(4)}` : '') +
        `  lr ${r.learningRate.toExponential(2)}  ${Math.round(r.tokensPerSecond)} tok/s  ${r.stepMs.toFixed(0)} ms/step  eta ${formatDuration(remaining)}`,
    );
  };
  let startStep = 0;
  try {
    const summary = await trainStoredRun(store, runId, {
      resume,
      // The CLI owns the run while it trains it in-process (nothing more once it lost it).
      updateRecord: async (patch) => (lost ? undefined : store.update(runId, patch)),
      hooks: {
        onStart: ({ backend, fromStep, trainer }) => {
          startStep = fromStep;
          stopTrainer = () => trainer.stop();
          if (stopRequested) trainer.stop();
          progress(
            `backend ${backend.name}: ${backend.detail}${backend.skipped.map((s) => `; ${s.name} skipped (${s.detail})`).join('')}`,
          );
          if (fromStep > 0) progress(`resuming from the checkpoint at step ${fromStep}`);
          const t = config.train;
          progress(passesLine(t.steps * t.batchSize * config.model.contextLength, trainer.data));
        },
        onTrain: (r) => {
          const now = performance.now();
          if (now - lastPrint > 1000 || r.step === config.train.steps) {
            lastPrint = now;
            print(r);
          }
        },
        onEval: (e) => {
          lastValidation = e.validationLoss;
          const se =
            e.validationStdError === undefined ? '' : ` ± ${e.validationStdError.toFixed(4)} s.e.`;
          const passes =
            e.epochs === undefined ? '' : `, ${e.epochs.toFixed(2)} passes over the training split`;
          progress(
            `eval at step ${e.step}: validation loss ${e.validationLoss.toFixed(4)}${se}${passes}`,
          );
        },
      },
    });
    const record = store.get(runId);
    if (printResult) result({ runId, status: record.status, ...summary, dataDir: store.dataDir });
    return summary.completed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    offOutputClosed();
    await store.owners.release(runId);
  }
}
