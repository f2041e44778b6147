/**
 * Trains one stored run: builds its data and trainer, and writes what the trainer reports into
 * the run's folder (metrics, snapshots, checkpoints, log). Changes to the run's catalog record
 * (status, step, losses) go through `updateRecord`, because only one process may write the
 * catalog: the CLI passes `store.update`; a training child of the run manager forwards them to
 * its parent. Used in-process by the CLI and, one process per run, by the run manager.
 */
import type { PreparedData } from '../core/data/prepare';
import type { TrainRecord, EvalRecord, MetricRecord } from '../core/train/metrics';
import { Trainer, type TrainSummary } from '../core/train/trainer';
import { nativeKernels } from '../core/model/ops';
import { selectBackend, type BackendSelection } from './backends';
import { workerCount } from './train-workers/worker-count';
import { WorkerPool } from './train-workers/worker-pool';
import {
  loadNewestIntactCheckpoint,
  loadRunData,
  readRunConfig,
  type CheckpointMeta,
} from './run-data';
import type { RunPatch, RunStore } from './store';

export interface TrainingHooks {
  onStart?(info: { backend: BackendSelection; fromStep: number; trainer: Trainer }): void;
  onTrain?(record: TrainRecord): void;
  onEval?(record: EvalRecord): void;
  onCheckpoint?(step: number): void;
  /** Each line as it is appended to the run's log.txt (with its timestamp). */
  onLog?(line: string): void;
}

export interface TrainStoredRunOptions {
  /** Continue from the last checkpoint; without one, start over (dropping stale metrics). */
  resume?: boolean;
  hooks?: TrainingHooks;
  /** Runs that train at once beside this one included (for `train.workers: auto`); default 1. */
  concurrentRuns?: number;
  /** The gradient worker script (a build passes its own; default: the TypeScript source). */
  workerEntry?: URL;
  /** Applies a change to the run's catalog record; awaited, so changes land in order. */
  updateRecord(patch: RunPatch): Promise<unknown>;
}

/** Metrics are appended in batches: at most one write per second, and always before a checkpoint. */
const FLUSH_INTERVAL_MS = 1000;

export async function trainStoredRun(
  store: RunStore,
  runId: string,
  options: TrainStoredRunOptions,
): Promise<TrainSummary> {
  const hooks = options.hooks ?? {};
  const updateRecord = options.updateRecord;
  const config = readRunConfig(store, runId);
  const backend = await selectBackend(config.backend);
  const log = async (message: string) => {
    const line = `${new Date().toISOString()} ${message}`;
    await store.appendLog(runId, line);
    hooks.onLog?.(line);
  };
  const intact =
    options.resume && store.listCheckpoints(runId).length > 0
      ? loadNewestIntactCheckpoint(store, runId)
      : undefined;
  const checkpoint = intact?.loaded;
  for (const { step, reason } of intact?.damaged ?? [])
    await log(`skipped the checkpoint at step ${step}, it does not verify: ${reason}`);
  // Steps trained after the checkpoint (before a crash or failure) are trained again.
  if (options.resume) {
    const dropped = await store.truncateMetrics(runId, checkpoint?.step ?? 0);
    if (dropped.tornTail)
      await log('metrics.jsonl ended in a torn line (a write cut short by a crash): dropped');
    if (dropped.skipped > 0)
      await log(`metrics.jsonl had ${dropped.skipped} damaged line(s): dropped`);
  }
  const data = loadRunData(config, { dataDir: store.dataDir, tokenizer: checkpoint?.tokenizer });
  const planned = workerCount(config, {
    backend: backend.name,
    concurrentRuns: options.concurrentRuns,
    resuming: checkpoint !== undefined,
    recorded: checkpoint?.meta.state.workers,
  });
  const trainer = new Trainer(config, data, checkpoint?.restore);
  let pool: WorkerPool | undefined;
  await log(
    `${checkpoint ? `resume from step ${checkpoint.step}${intact?.damaged.length ? ', the newest checkpoint that verifies,' : ''}` : 'start'} on ${backend.name} (${backend.detail})` +
      backend.skipped.map((s) => `; skipped ${s.name}: ${s.detail}`).join(''),
  );
  await log(
    passesLine(config.train.steps * config.train.batchSize * config.model.contextLength, data),
  );
  // A fresh start clears the clock of an earlier attempt; a resume continues the checkpoint's.
  await updateRecord({
    status: 'running',
    error: undefined,
    elapsedMs: checkpoint?.meta.state.elapsedMs ?? 0,
    trainSplitTokens: data.train.length,
  });
  hooks.onStart?.({ backend, fromStep: trainer.step, trainer });

  let pending: MetricRecord[] = [];
  let lastFlush = performance.now();
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    lastFlush = performance.now();
    await store.appendMetrics(runId, batch);
  };
  // Training is synchronous between awaits; writes are chained so they land in order.
  let writes: Promise<void> = Promise.resolve();
  const enqueue = (task: () => Promise<void>) => (writes = writes.then(task));

  try {
    if (planned.workers > 1) {
      pool = await WorkerPool.open({
        threads: planned.workers - 1,
        model: config.model,
        vocabSize: data.tokenizer.vocabSize,
        seed: config.train.seed,
        params: trainer.model.params.variables,
        backend: backend.name === 'cpu' ? 'cpu' : 'wasm',
        native: nativeKernels(),
        entry: options.workerEntry,
      });
      trainer.useWorkers(pool);
    }
    await log(
      `${planned.workers} worker thread(s), ${config.train.batchSize / planned.workers} rows each (${planned.reason})`,
    );
    const summary = await trainer.run({
      onTrain: (record) => {
        pending.push(record);
        hooks.onTrain?.(record);
        if (performance.now() - lastFlush > FLUSH_INTERVAL_MS) enqueue(flush);
      },
      onEval: (record) => {
        pending.push(record);
        hooks.onEval?.(record);
      },
      onSnapshot: (snapshot) => enqueue(() => store.writeSnapshot(runId, snapshot.step, snapshot)),
      onCheckpoint: async ({ state, tensors }) => {
        enqueue(flush);
        await writes;
        const meta: CheckpointMeta = {
          config,
          state,
          tokenizer: data.tokenizer.toJSON(),
          backend: backend.name,
        };
        await store.writeCheckpoint(runId, state.step, meta, tensors);
        await updateRecord({
          lastStep: state.step,
          tokensSeen: state.tokens,
          elapsedMs: state.elapsedMs,
          ...(state.bestValidationLoss !== null && {
            bestValidationLoss: state.bestValidationLoss,
          }),
        });
        hooks.onCheckpoint?.(state.step);
      },
    });
    await writes;
    await flush();
    await updateRecord({
      status: summary.completed ? 'completed' : 'stopped',
      lastStep: summary.step,
      tokensSeen: summary.tokens,
      elapsedMs: summary.elapsedMs,
      ...(summary.finalTrainLoss !== null && { finalTrainLoss: summary.finalTrainLoss }),
      ...(summary.bestValidationLoss !== null && {
        bestValidationLoss: summary.bestValidationLoss,
      }),
    });
    await log(`${summary.completed ? 'completed' : 'stopped'} at step ${summary.step}`);
    return summary;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await writes.catch(() => {});
    await flush().catch(() => {});
    await updateRecord({ status: 'failed', error: message }).catch(() => {});
    await log(`failed: ${message}`).catch(() => {});
    throw error;
  } finally {
    await pool?.close();
    trainer.dispose();
  }
}

/** How many passes over the training split the run's budget makes; a warning past one. */
export function passesLine(budgetTokens: number, data: PreparedData): string {
  const passes = budgetTokens / data.train.length;
  const line =
    `training split: ${data.train.length.toLocaleString('en-US')} tokens in ${data.trainDocuments} documents; ` +
    `the budget of ${budgetTokens.toLocaleString('en-US')} tokens is ${passes.toFixed(2)} passes over it`;
  return passes > 1
    ? `${line}. Warning: past one pass the model sees its training text again, so a comparison measures memorisation as much as the architecture`
    : line;
}
