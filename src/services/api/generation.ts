/**
 * generate and cancelGeneration. The request is checked here (the run and its checkpoint must
 * exist); the text is made in a task process (services/tasks), so a long generation never holds
 * up other calls, and cancelGeneration ends it by ending that process.
 */
import type { ResponseOf } from '../../core/api/contract';
import { type Handler, requireCheckpoint } from './context';

export const generate: Handler<'generate'> = async (context, request) => {
  requireCheckpoint(context, request.runId, request.step, 'generate from');
  const task = { type: 'generate' as const, dataDir: context.store.dataDir, request };
  return (await context.tasks.run(task, request.generationId)) as ResponseOf<'generate'>;
};

export const cancelGeneration: Handler<'cancelGeneration'> = async (context, { generationId }) => ({
  canceled: context.tasks.cancel(generationId),
});
