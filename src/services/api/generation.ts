/**
 * generate and cancelGeneration. The request is checked here (the run and its checkpoint must
 * exist); the text is made in a task process (services/tasks), so a long generation never holds
 * up other calls, and cancelGeneration ends it by ending that process.
 */
import { WorkbenchError, type ResponseOf } from '../../core/api/contract';
import { type Handler, requireRun } from './context';

export const generate: Handler<'generate'> = async (context, request) => {
  const { runId, step, generationId } = request;
  requireRun(context, runId);
  const steps = context.store.listCheckpoints(runId);
  if (steps.length === 0)
    throw new WorkbenchError('conflict', `run ${runId} has no checkpoint to generate from yet`);
  if (step !== undefined && !steps.includes(step)) {
    throw new WorkbenchError(
      'not_found',
      `run ${runId} has no checkpoint at step ${step}; it has ${steps.join(', ')}`,
    );
  }
  const task = { type: 'generate' as const, dataDir: context.store.dataDir, request };
  return (await context.tasks.run(task, generationId)) as ResponseOf<'generate'>;
};

export const cancelGeneration: Handler<'cancelGeneration'> = async (context, { generationId }) => ({
  canceled: context.tasks.cancel(generationId),
});
