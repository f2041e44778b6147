/**
 * evaluateCheckpoint. The request is checked here (the run and its checkpoint must exist); the
 * evaluation runs in a task process (services/tasks), so tfjs never holds up other calls.
 */
import type { ResponseOf } from '../../core/api/contract';
import { type Handler, requireCheckpoint } from './context';

export const evaluateCheckpoint: Handler<'evaluateCheckpoint'> = async (context, request) => {
  requireCheckpoint(context, request.runId, request.step, 'evaluate');
  const task = { type: 'evaluate' as const, dataDir: context.store.dataDir, request };
  return (await context.tasks.run(task)) as ResponseOf<'evaluateCheckpoint'>;
};
