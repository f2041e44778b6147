/** Starting and steering runs: the queue and training processes belong to the run manager. */
import { WorkbenchError } from '../../core/api/contract';
import { assertFitsMemory } from '../memory-guard';
import { readRunConfig } from '../run-data';
import { type RunStatus, describeOwner } from '../store';
import { type ApiContext, type Handler, isBusy, requireRun } from './context';

/** Statuses a run may be (re)started from; it resumes from its last checkpoint when it has one. */
const STARTABLE: ReadonlySet<RunStatus> = new Set(['created', 'stopped', 'interrupted', 'failed']);

export const startRun: Handler<'startRun'> = async (context, { runId }) => {
  const record = requireRun(context, runId);
  if (record.status === 'completed') {
    throw new WorkbenchError(
      'conflict',
      `run ${runId} already completed its ${record.lastStep} steps: fork it with more train.steps to continue`,
    );
  }
  refuseIfOwnedElsewhere(context, runId);
  refuseIfAttachedFolderGrows(context, runId);
  if (!STARTABLE.has(record.status) || isBusy(context, record))
    throw new WorkbenchError('conflict', `run ${runId} is already ${record.status}`);
  // A run made elsewhere (the CLI, another machine, an older version) is checked here too.
  assertFitsMemory(readRunConfig(context.store, runId), context.memoryLimitBytes, `run ${runId}`);
  return context.manager.enqueue(runId);
};

export const pauseRun: Handler<'pauseRun'> = async (context, { runId }) => {
  requireRun(context, runId);
  refuseIfOwnedElsewhere(context, runId);
  return context.manager.pause(runId);
};

export const resumeRun: Handler<'resumeRun'> = async (context, { runId }) => {
  requireRun(context, runId);
  refuseIfOwnedElsewhere(context, runId);
  return context.manager.resume(runId);
};

/** Resolves once the run has stopped (after its current step, with a final checkpoint). */
export const stopRun: Handler<'stopRun'> = async (context, { runId }) => {
  requireRun(context, runId);
  refuseIfOwnedElsewhere(context, runId);
  return context.manager.stop(runId);
};

/** An attached folder that something else is still writing would get a second trainer. */
function refuseIfAttachedFolderGrows(context: ApiContext, runId: string): void {
  const sinceMs = context.attachedTrainedElsewhere?.(runId);
  if (sinceMs === undefined) return;
  throw new WorkbenchError(
    'conflict',
    `run ${runId} is an attached folder that grew ${Math.round(sinceMs / 1000)} s ago: it is being trained elsewhere; stop that training first (then it can resume here)`,
  );
}

/** A run another live process trains (a terminal's `mot train`) is steered there, not here. */
function refuseIfOwnedElsewhere({ manager, store }: ApiContext, runId: string): void {
  if (manager.isActive(runId) || manager.isQueued(runId)) return;
  const owner = store.owners.liveOwner(runId);
  if (owner !== undefined)
    throw new WorkbenchError(
      'conflict',
      `run ${runId} is being trained by ${describeOwner(owner)}: stop it there first`,
    );
}
