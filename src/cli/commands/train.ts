/** `mot train` and `mot resume`: train a run in this process, with progress on stderr. */
import { resolveConfig, ffnSummary, type RunConfig } from '../../core/config';
import { BASE_CONFIG, findPreset } from '../../core/presets';
import type { TrainRecord } from '../../core/train/metrics';
import { selectBackend } from '../../services/backends';
import { loadCorpus } from '../../services/corpora';
import { readRunConfig } from '../../services/run-data';
import { RunStore, resolveDataDir } from '../../services/store';
import { passesLine, trainStoredRun } from '../../services/training';
import { backendFlag, numberFlag, parse, requireFlag, UsageError } from '../args';
import { readJsonFile } from '../files';
import { formatDuration, progress, result } from '../output';

export async function trainCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    preset: { type: 'string' },
    config: { type: 'string' },
    steps: { type: 'string' },
    backend: { type: 'string' },
    name: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (!values.preset && !values.config)
    throw new UsageError('give --preset NAME or --config FILE (see `mot presets`)');
  const config = buildConfig(values);

  // Everything that can fail on bad input fails here, before the data dir is touched.
  await selectBackend(config.backend);
  const dataDir = resolveDataDir(values['data-dir']);
  loadCorpus(config.data.corpus, dataDir);

  const store = await RunStore.open(dataDir);
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
  const store = await RunStore.open(resolveDataDir(values['data-dir']));
  const record = store.get(runId);
  if (record.status === 'completed')
    throw new Error(`run ${runId} already completed all its steps`);
  if (record.status === 'running')
    throw new Error(
      `run ${runId} is marked running; if no process trains it, it was interrupted: reopen the app or server to mark it so`,
    );
  const config = readRunConfig(store, runId);
  await trainWithProgress(store, runId, config, true);
}

function buildConfig(values: {
  preset?: string;
  config?: string;
  steps?: string;
  backend?: string;
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
  if (values.name !== undefined) overrides.name = values.name;
  const merged = resolveConfig(base, fromFile);
  return resolveConfig(merged, overrides);
}

/**
 * Trains with a progress line about once a second; Ctrl-C stops after the step with a checkpoint.
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
  let lastPrint = 0;
  let lastValidation: number | null = null;
  let stopTrainer: (() => void) | null = null;
  const onSignal = () => {
    progress('stopping after this step (a final checkpoint is written)...');
    stopTrainer?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
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
      // The CLI owns the catalog while it trains in-process.
      updateRecord: (patch) => store.update(runId, patch),
      hooks: {
        onStart: ({ backend, fromStep, trainer }) => {
          startStep = fromStep;
          stopTrainer = () => trainer.stop();
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
  }
}
