/**
 * generate: text from a run's checkpoint, in the serving process itself on its current backend.
 * A few hundred tokens from a desktop-sized model take well under a second; the training
 * processes are untouched. A MoT model decodes in full groups, the empty rows filled with
 * held-out validation text (see core/generate).
 */
import { WorkbenchError } from '../../core/api/contract';
import { generate as generateText } from '../../core/generate';
import { selectBackend, type BackendSelection } from '../backends';
import { loadCheckpoint, loadRunData, modelFromCheckpoint } from '../run-data';
import { type Handler, requireRun } from './context';

let backend: Promise<BackendSelection> | undefined;

/** The best backend here, chosen once per process (switching tfjs backends is global). */
function ensureBackend(): Promise<BackendSelection> {
  backend ??= selectBackend('auto').catch((error: unknown) => {
    backend = undefined;
    throw error;
  });
  return backend;
}

export const generate: Handler<'generate'> = async (context, request) => {
  const { runId, step, prompts, maxTokens, temperature, topK, seed, discrete } = request;
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
  const loaded = loadCheckpoint(context.store, runId, step);
  await ensureBackend();
  const model = modelFromCheckpoint(loaded);
  try {
    const needsCompanions = model.blocks.some((block) => block.ffn.kind === 'mot');
    const companionSource = needsCompanions
      ? loadRunData(loaded.meta.config, {
          dataDir: context.store.dataDir,
          tokenizer: loaded.tokenizer,
        }).validation
      : undefined;
    const result = generateText(model, loaded.tokenizer, {
      prompts,
      maxTokens,
      temperature,
      topK,
      seed,
      discrete,
      companionSource,
    });
    return { ...result, step: loaded.step };
  } finally {
    model.dispose();
  }
};
