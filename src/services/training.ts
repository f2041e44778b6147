/**
 * Trains one stored run: builds its data and trainer, and writes what the trainer reports into
 * the run's folder (metrics, snapshots, checkpoints, log) and the catalog. Used in-process by the
 * CLI and, one process per run, by the run manager.
 */
import type { TrainRecord, EvalRecord, MetricRecord } from '../core/train/metrics';
import { Trainer, type TrainSummary } from '../core/train/trainer';
import { selectBackend, type BackendSelection } from './backends';
import { loadCheckpoint, loadRunData, readRunConfig, type CheckpointMeta } from './run-data';
import type { RunStore } from './store';

export interface TrainingHooks {
  onStart?(info: { backend: BackendSelection; fromStep: number; trainer: Trainer }): void;
  onTrain?(record: TrainRecord): void;
  onEval?(record: EvalRecord): void;
  onCheckpoint?(step: number): void;
}

/** Metrics are appended in batches: at most one write per second, and always before a checkpoint. */
const FLUSH_INTERVAL_MS = 1000;

export async function trainStoredRun(
  store: RunStore,
  runId: string,
  options: { resume?: boolean; hooks?: TrainingHooks } = {},
): Promise<TrainSummary> {
  const hooks = options.hooks ?? {};
  const config = readRunConfig(store, runId);
  const backend = await selectBackend(config.backend);
  const checkpoint =
    options.resume && store.listCheckpoints(runId).length > 0
      ? loadCheckpoint(store, runId)
      : undefined;
  if (checkpoint) await store.truncateMetrics(runId, checkpoint.step);
  const data = loadRunData(config, checkpoint?.tokenizer);
  const trainer = new Trainer(config, data, checkpoint?.restore);

  const log = (line: string) => store.appendLog(runId, `${new Date().toISOString()} ${line}`);
  await log(
    `${checkpoint ? `resume from step ${checkpoint.step}` : 'start'} on ${backend.name} (${backend.detail})` +
      backend.skipped.map((s) => `; skipped ${s.name}: ${s.detail}`).join(''),
  );
  await store.update(runId, { status: 'running', error: undefined });
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
        await store.update(runId, {
          lastStep: state.step,
          tokensSeen: state.tokens,
          ...(state.bestValidationLoss !== null && {
            bestValidationLoss: state.bestValidationLoss,
          }),
        });
        hooks.onCheckpoint?.(state.step);
      },
    });
    await writes;
    await flush();
    await store.update(runId, {
      status: summary.completed ? 'completed' : 'stopped',
      lastStep: summary.step,
      tokensSeen: summary.tokens,
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
    await store.update(runId, { status: 'failed', error: message }).catch(() => {});
    await log(`failed: ${message}`).catch(() => {});
    throw error;
  } finally {
    trainer.dispose();
  }
}
