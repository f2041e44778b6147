/**
 * transitionRun: a MoT run's checkpoint converted to a top-1 token-choice MoE as a new run
 * (services/transition.ts does the work, the same as `mot transition`). The handler only turns
 * what cannot be done into the API's codes first: a run that is not MoT or has no checkpoint is a
 * `conflict`, a missing step `not_found`; then nothing has been written.
 */
import { WorkbenchError } from '../../core/api/contract';
import { readRunConfig } from '../run-data';
import { createTransitionRun } from '../transition';
import { type Handler, requireRun } from './context';

export const transitionRun: Handler<'transitionRun'> = async (context, request) => {
  const { store } = context;
  const { runId, step } = request;
  requireRun(context, runId);
  const config = readRunConfig(store, runId);
  if (config.model.ffn !== 'mot') {
    throw new WorkbenchError(
      'conflict',
      `run ${runId} has ${config.model.ffn} blocks: transition tuning starts from a MoT run`,
    );
  }
  const steps = store.listCheckpoints(runId);
  if (steps.length === 0)
    throw new WorkbenchError('conflict', `run ${runId} has no checkpoint to transition from yet`);
  if (step !== undefined && !steps.includes(step)) {
    throw new WorkbenchError(
      'not_found',
      `run ${runId} has no checkpoint at step ${step}; it has ${steps.join(', ')}`,
    );
  }
  return createTransitionRun(store, runId, {
    step,
    extraSteps: request.extraSteps,
    capacityFactor: request.capacityFactor,
    loadBalanceWeight: request.loadBalanceWeight,
  });
};
