/**
 * forkRun: a new run that continues from a checkpoint of another with a changed config. The
 * fork gets its own copy of that checkpoint (its meta naming the new config, its state on the
 * parent's step axis) and the parent's metrics and snapshots up to that step, so its charts
 * continue where the parent's were; starting it resumes from the copy. Changes must keep every
 * parameter's shape (the weights are the parent's); optimiser, schedule, steps, data and name
 * may change.
 */
import { WorkbenchError } from '../../core/api/contract';
import { ffnSummary, type RunConfig } from '../../core/config';
import { assertFitsMemory } from '../memory-guard';
import { loadCheckpoint } from '../run-data';
import type { RunStore } from '../store';
import { type Handler, requireRun } from './context';
import { resolveRequestConfig } from './config-input';
import { invalidRequest, type Issue } from './errors';
import { parameterShapes } from './parameter-shapes';

const NAME_MAX = 120;

export const forkRun: Handler<'forkRun'> = async (context, { runId, step, changes }) => {
  const { store } = context;
  const parent = requireRun(context, runId);
  const steps = store.listCheckpoints(runId);
  if (steps.length === 0)
    throw new WorkbenchError('conflict', `run ${runId} has no checkpoint to fork from yet`);
  const forkStep = step ?? (steps.at(-1) as number);
  if (!steps.includes(forkStep)) {
    throw new WorkbenchError(
      'not_found',
      `run ${runId} has no checkpoint at step ${forkStep}; it has ${steps.join(', ')}`,
    );
  }
  const loaded = loadCheckpoint(store, runId, forkStep);
  const parentConfig = loaded.meta.config;
  let config = resolveRequestConfig(parentConfig, changes, 'changes');
  if (changes?.['name'] === undefined)
    config = { ...config, name: `${parent.name} fork@${forkStep}`.slice(0, NAME_MAX) };
  const issues = [
    ...shapeIssues(parentConfig, config, loaded.tokenizer.vocabSize),
    ...continuationIssues(parentConfig, config, forkStep, changes),
  ];
  if (issues.length > 0) throw invalidRequest(issues);
  assertFitsMemory(config, context.memoryLimitBytes, 'changes');

  const record = await store.create({
    name: config.name,
    config,
    ffnSummary: ffnSummary(config.model),
    parent: { runId, step: forkStep },
    tags: parent.tags,
  });
  try {
    const tensors = loaded.restore.tensors;
    await store.writeCheckpoint(record.id, forkStep, { ...loaded.meta, config }, tensors);
    await copyHistory(store, runId, record.id, forkStep);
    const { state } = loaded.meta;
    await store.appendLog(
      record.id,
      `${new Date().toISOString()} forked from run ${runId} at step ${forkStep} with changes ${JSON.stringify(changes ?? {})}`,
    );
    return await store.update(record.id, {
      lastStep: forkStep,
      tokensSeen: state.tokens,
      elapsedMs: state.elapsedMs,
      ...(state.bestValidationLoss !== null && { bestValidationLoss: state.bestValidationLoss }),
    });
  } catch (error) {
    // Half a fork is worse than none.
    await store.delete(record.id).catch(() => {});
    throw error;
  }
};

/** Every changed model field, when the change would give some parameter another shape. */
function shapeIssues(before: RunConfig, after: RunConfig, vocabSize: number): Issue[] {
  const issues: Issue[] = [];
  const shapesOf = (config: RunConfig) =>
    new Map(parameterShapes(config.model, vocabSize).map((p) => [p.name, p.shape.join('x')]));
  const old = shapesOf(before);
  const next = shapesOf(after);
  const same =
    old.size === next.size && [...old].every(([name, shape]) => next.get(name) === shape);
  if (!same) {
    const message = "changes the model's parameter shapes; a fork continues its parent's weights";
    const changed = changedPaths(before.model, after.model, 'changes.model');
    issues.push(
      ...(changed.length > 0 ? changed : ['changes.model']).map((path) => ({ path, message })),
    );
  }
  if (JSON.stringify(before.data.tokenizer) !== JSON.stringify(after.data.tokenizer)) {
    issues.push({
      path: 'changes.data.tokenizer',
      message: "a fork keeps its parent's tokenizer (the embedding rows are its tokens)",
    });
  }
  return issues;
}

function continuationIssues(
  before: RunConfig,
  after: RunConfig,
  forkStep: number,
  changes: Record<string, unknown> | undefined,
): Issue[] {
  if (after.train.steps > forkStep) return [];
  const given = (changes?.['train'] as { steps?: unknown } | undefined)?.steps !== undefined;
  return [
    {
      path: given ? 'changes.train.steps' : 'changes',
      message: `the fork starts at step ${forkStep}, so train.steps must be larger (the parent has ${before.train.steps})`,
    },
  ];
}

/** Leaf paths where two JSON values differ. */
function changedPaths(a: unknown, b: unknown, prefix: string): string[] {
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => changedPaths(a[key], b[key], `${prefix}.${key}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/** The parent's metric records and snapshots up to `throughStep`, so the step axis continues. */
async function copyHistory(
  store: RunStore,
  from: string,
  to: string,
  throughStep: number,
): Promise<void> {
  const records = store
    .readMetrics(from)
    .records.filter((r) => ((r as { step?: number }).step ?? 0) <= throughStep);
  await store.appendMetrics(to, records);
  for (const step of store.listSnapshotSteps(from)) {
    if (step > throughStep) continue;
    await store.writeSnapshot(to, step, store.readSnapshot(from, step));
  }
}
