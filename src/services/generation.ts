/**
 * Text from a run's checkpoint, on the best backend of this process: a task process runs it for
 * the workbench, so a long generation never holds up other calls. A MoT model decodes in full
 * groups, the empty rows filled with held-out validation text (see core/generate).
 */
import type { ValidRequestOf } from '../core/api/contract';
import { generate as generateText, type GenerationResult } from '../core/generate';
import { selectBackend, type BackendSelection } from './backends';
import { loadCheckpoint, loadRunData, modelFromCheckpoint } from './run-data';
import type { RunStore } from './store';

let backend: Promise<BackendSelection> | undefined;

/** The best backend here, chosen once per process (switching tfjs backends is global). */
export function ensureBackend(): Promise<BackendSelection> {
  backend ??= selectBackend('auto').catch((error: unknown) => {
    backend = undefined;
    throw error;
  });
  return backend;
}

/**
 * The held-out validation text that fills a MoT model's group beside the prompts; none for a
 * model without MoT layers, whose rows do not see each other.
 */
export function companionsFor(
  model: ReturnType<typeof modelFromCheckpoint>,
  loaded: ReturnType<typeof loadCheckpoint>,
  dataDir: string,
): Int32Array | undefined {
  if (!model.blocks.some((block) => block.ffn.kind === 'mot')) return undefined;
  return loadRunData(loaded.meta.config, { dataDir, tokenizer: loaded.tokenizer }).validation;
}

export async function generateFromRun(
  store: RunStore,
  request: ValidRequestOf<'generate'>,
): Promise<GenerationResult & { step: number }> {
  const { runId, step, prompts, maxTokens, temperature, topK, seed, discrete } = request;
  const loaded = loadCheckpoint(store, runId, step);
  await ensureBackend();
  const model = modelFromCheckpoint(loaded);
  try {
    const companionSource = companionsFor(model, loaded, store.dataDir);
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
}
