/**
 * What every API handler works with: the store (the catalog's one writer), the run manager, the
 * task processes and the memory limit runs must fit in.
 */
import {
  WorkbenchError,
  type MethodName,
  type ResponseOf,
  type ValidRequestOf,
} from '../../core/api/contract';
import type { RunManager } from '../run-manager';
import type { RunRecord, RunStore } from '../store';
import type { TaskPool } from '../tasks/task-pool';

export interface ApiContext {
  readonly store: RunStore;
  readonly manager: RunManager;
  /** Generation, evaluation and the backend probe run here, off the serving thread. */
  readonly tasks: TaskPool;
  /** Bytes a run's estimated memory may take (see services/memory-guard). */
  readonly memoryLimitBytes: number;
  /** The desktop app's open-file dialog (absent in browser mode); null when the user cancels. */
  readonly pickDatasetFile?: () => Promise<string | null>;
  /** The desktop app's folder dialog for attachFolder (absent in browser mode). */
  readonly pickRunFolder?: () => Promise<string | null>;
  /**
   * Milliseconds since an attached run's folder last grew, while something else (a torchrun,
   * a synced cluster job) is still writing it; undefined otherwise (see engines/attached-watch).
   */
  readonly attachedTrainedElsewhere?: (runId: string) => number | undefined;
}

/** The run's record; throws `not_found` (via StoreError) for an unknown id. */
export function requireRun(context: ApiContext, runId: string): RunRecord {
  return context.store.get(runId);
}

/**
 * Throws unless the run has a checkpoint at `step` (any checkpoint when `step` is undefined);
 * `purpose` completes "no checkpoint to … yet".
 */
export function requireCheckpoint(
  context: ApiContext,
  runId: string,
  step: number | undefined,
  purpose: string,
): void {
  requireRun(context, runId);
  const steps = context.store.listCheckpoints(runId);
  if (steps.length === 0)
    throw new WorkbenchError('conflict', `run ${runId} has no checkpoint to ${purpose} yet`);
  if (step !== undefined && !steps.includes(step)) {
    throw new WorkbenchError(
      'not_found',
      `run ${runId} has no checkpoint at step ${step}; it has ${steps.join(', ')}`,
    );
  }
}

/** A run with a process or a place in the queue: its files and record are in use. */
export function isBusy(context: ApiContext, record: RunRecord): boolean {
  return (
    context.manager.isActive(record.id) ||
    context.manager.isQueued(record.id) ||
    record.status === 'running' ||
    record.status === 'queued' ||
    record.status === 'paused'
  );
}

/** One API method's implementation: a validated request in, the response out (or a throw). */
export type Handler<M extends MethodName> = (
  context: ApiContext,
  request: ValidRequestOf<M>,
) => Promise<ResponseOf<M>>;
