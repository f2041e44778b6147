/**
 * Rebuilds what a run trains on (corpus -> split -> tokenizer -> token streams) and reads its
 * checkpoints back into trainer state. Shared by training, resuming, generation and evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from 'valibot';
import { dataSeedOf, validateConfig, type RunConfig } from '../core/config';
import { prepareData, type PreparedData } from '../core/data/prepare';
import { Gpt } from '../core/model/gpt';
import { tokenizerFromJSON, type Tokenizer } from '../core/tokenizer';
import type { TrainerCheckpoint, TrainerState } from '../core/train/trainer';
import { loadCorpus } from './corpora';
import { type RunStore, StoreError } from './store';

/** What a checkpoint's meta.json holds besides the tensors. */
export interface CheckpointMeta {
  config: RunConfig;
  state: TrainerState;
  /** Hugging Face tokenizer.json, so the vocabulary never has to be retrained. */
  tokenizer: unknown;
  backend: string;
}

const StateSchema = v.object({
  step: v.number(),
  tokens: v.number(),
  flops: v.number(),
  elapsedMs: v.number(),
  optimizerStep: v.number(),
  samplerRng: v.tuple([v.number(), v.number(), v.number(), v.number()]),
  bestValidationLoss: v.nullable(v.number()),
  lastValidationLoss: v.nullable(v.number()),
  /** Data-parallel worker threads that trained it (absent: one). */
  workers: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

export function readRunConfig(store: RunStore, runId: string): RunConfig {
  return validateConfig(store.readConfig(runId));
}

/** `dataDir` resolves imported datasets; `tokenizer` is given when resuming from a checkpoint. */
export function loadRunData(
  config: RunConfig,
  options: { dataDir?: string; tokenizer?: Tokenizer } = {},
): PreparedData {
  const { dataDir, tokenizer } = options;
  const corpus = loadCorpus(config.data.corpus, dataDir);
  return prepareData(corpus.documents, config.data, dataSeedOf(config), tokenizer);
}

export interface LoadedCheckpoint {
  step: number;
  meta: CheckpointMeta;
  tokenizer: Tokenizer;
  restore: TrainerCheckpoint;
}

/** The checkpoint at `step` (default: the latest), validated. */
export function loadCheckpoint(store: RunStore, runId: string, step?: number): LoadedCheckpoint {
  const steps = store.listCheckpoints(runId);
  if (steps.length === 0) throw new Error(`run ${runId} has no checkpoint yet`);
  const chosen = step ?? steps[steps.length - 1];
  if (!steps.includes(chosen))
    throw new Error(`run ${runId} has no checkpoint at step ${chosen}; it has ${steps.join(', ')}`);
  const { meta, tensors } = store.readCheckpoint(runId, chosen);
  const raw = meta as Partial<CheckpointMeta>;
  const config = validateConfig(raw.config);
  const state = v.parse(StateSchema, raw.state) as TrainerState;
  const tokenizer = tokenizerFromJSON(raw.tokenizer);
  return {
    step: chosen,
    meta: { config, state, tokenizer: raw.tokenizer, backend: String(raw.backend ?? 'unknown') },
    tokenizer,
    restore: {
      state,
      tensors: [...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })),
    },
  };
}

/** A checkpoint that failed to verify on load (its checksum, sizes or meta), and why. */
export interface DamagedCheckpoint {
  step: number;
  reason: string;
}

/**
 * The newest checkpoint that verifies, for resuming: a damaged newest one (a disk error, bytes
 * changed by hand) falls back to the one before it. Throws when none verifies.
 */
export function loadNewestIntactCheckpoint(
  store: RunStore,
  runId: string,
): { loaded: LoadedCheckpoint; damaged: DamagedCheckpoint[] } {
  const damaged: DamagedCheckpoint[] = [];
  for (const step of [...store.listCheckpoints(runId)].reverse()) {
    try {
      return { loaded: loadCheckpoint(store, runId, step), damaged };
    } catch (error) {
      if (!(error instanceof StoreError || error instanceof v.ValiError)) throw error;
      damaged.push({ step, reason: error.message });
    }
  }
  throw new Error(
    `run ${runId} has no checkpoint that verifies: ${damaged.map((d) => d.reason).join('; ')}`,
  );
}

/** A model with a checkpoint's weights (no optimizer state): for generation and evaluation. */
export function modelFromCheckpoint(loaded: LoadedCheckpoint): Gpt {
  const { config } = loaded.meta;
  const model = new Gpt(config.model, loaded.tokenizer.vocabSize, config.train.seed);
  const byName = new Map(loaded.restore.tensors.map((t) => [t.name, t]));
  for (const [name, variable] of model.params.variables) {
    const saved = byName.get(`param/${name}`);
    if (!saved || saved.shape.join('x') !== variable.shape.join('x')) {
      model.dispose();
      throw new Error(
        `checkpoint at step ${loaded.step} does not hold parameter ${name} with shape [${variable.shape}]`,
      );
    }
    tf.tidy(() => variable.assign(tf.tensor(saved.data, saved.shape)));
  }
  return model;
}
