/**
 * Stores a transition-tuned run: a MoT run's checkpoint converted to a top-1 MoE
 * (core/transition.ts) as a new run whose parent is {runId, step}. The new run holds the
 * converted checkpoint at that step and, in metrics.jsonl, the parent's records up to that step,
 * so the switch, the loss spike and the recovery show on one step axis. Training it is then an
 * ordinary resume (trainStoredRun with resume: true).
 */
import { ffnSummary } from '../core/config';
import type { MetricRecord } from '../core/train/metrics';
import { transitionToMoe, type TransitionOptions } from '../core/transition';
import { loadCheckpoint, type CheckpointMeta } from './run-data';
import type { RunRecord, RunStore } from './store';

export interface TransitionRunOptions extends Partial<
  Pick<TransitionOptions, 'capacityFactor' | 'loadBalanceWeight'>
> {
  /** The parent's checkpoint to start from (default: its latest). */
  step?: number;
  /** MoE steps after the switch (default: 10% of the parent's configured steps, at least 1). */
  extraSteps?: number;
}

export async function createTransitionRun(
  store: RunStore,
  parentId: string,
  options: TransitionRunOptions = {},
): Promise<RunRecord> {
  const parent = store.get(parentId);
  const loaded = loadCheckpoint(store, parentId, options.step);
  const parentConfig = loaded.meta.config;
  const extraSteps = options.extraSteps ?? Math.max(1, Math.round(parentConfig.train.steps / 10));
  const { config, tensors, renamed } = transitionToMoe(parentConfig, loaded.restore.tensors, {
    fromStep: loaded.step,
    extraSteps,
    capacityFactor: options.capacityFactor,
    loadBalanceWeight: options.loadBalanceWeight,
  });

  const run = await store.create({
    name: config.name,
    config,
    ffnSummary: ffnSummary(config.model),
    parent: { runId: parentId, step: loaded.step },
    tags: [...new Set([...parent.tags, 'transition'])],
  });
  try {
    const history = store
      .readMetrics(parentId)
      .records.filter((r) => (r as MetricRecord).step <= loaded.step);
    await store.appendMetrics(run.id, history);
    const meta: CheckpointMeta = { ...loaded.meta, config };
    await store.writeCheckpoint(run.id, loaded.step, meta, tensors);
    await store.appendLog(
      run.id,
      `${new Date().toISOString()} transition from MoT run ${parentId} at step ${loaded.step}: ` +
        `${renamed.map(([from, to]) => `${from} -> ${to}`).join(', ')}; experts and AdamW moments kept; ` +
        `${extraSteps} MoE steps to go`,
    );
  } catch (error) {
    // Half a transition (a run without its checkpoint) is worse than none.
    await store.delete(run.id).catch(() => {});
    throw error;
  }
  return store.update(run.id, {
    lastStep: loaded.step,
    tokensSeen: loaded.meta.state.tokens,
    elapsedMs: loaded.meta.state.elapsedMs,
    ...(loaded.meta.state.bestValidationLoss !== null && {
      bestValidationLoss: loaded.meta.state.bestValidationLoss,
    }),
  });
}
