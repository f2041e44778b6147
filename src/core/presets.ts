/**
 * Named starting points. Every preset is a full, valid config; `mot train --preset NAME` runs it
 * and `--config FILE` may override any part of it.
 */
import { validateConfig, type PartialRunConfig, type RunConfig } from './config';

/** The reference setup of shared/MOT.md "What to expect at desktop scale" (Brown, bytes, d 128). */
export const BASE_CONFIG: RunConfig = validateConfig({
  name: 'untitled',
  description: '',
  model: {
    dModel: 128,
    layers: 4,
    heads: 4,
    contextLength: 64,
    dFF: 512,
    ffn: 'dense',
    placement: 'all',
    initScale: 1,
    mot: { groupSize: 8, experts: 8, expertWidth: null, temperature: 1, initScale: 1 },
    moe: {
      experts: 8,
      expertWidth: null,
      topK: 1,
      capacityFactor: 1.25,
      loadBalanceWeight: 0.01,
      routerZLossWeight: 0,
      initScale: 1,
    },
  },
  data: {
    corpus: { kind: 'builtin', name: 'brown' },
    tokenizer: { kind: 'bytes' },
    validationFraction: 0.05,
  },
  train: {
    steps: 1500,
    batchSize: 32,
    learningRate: 2e-3,
    minLrRatio: 0.1,
    warmupSteps: 100,
    weightDecay: 0.1,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    gradClip: 0.5,
    seed: 1,
    evalEvery: 100,
    evalBatches: 8,
    checkpointEvery: 250,
    snapshotEvery: 50,
  },
  backend: 'auto',
});

export interface Preset {
  name: string;
  description: string;
  config: RunConfig;
}

function preset(name: string, description: string, overrides: PartialRunConfig): Preset {
  const merged = structuredClone(BASE_CONFIG) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    const base = merged[key];
    merged[key] =
      typeof value === 'object' && !Array.isArray(value) && typeof base === 'object'
        ? { ...base, ...value }
        : value;
  }
  return { name, description, config: validateConfig({ ...merged, name, description }) };
}

/** Two small blocks and 200 steps (about 400K byte tokens): a few minutes on 2 CPU cores. */
const tiny = {
  model: { ...BASE_CONFIG.model, layers: 2 },
  train: {
    ...BASE_CONFIG.train,
    steps: 200,
    warmupSteps: 20,
    evalEvery: 50,
    checkpointEvery: 100,
    snapshotEvery: 20,
    evalBatches: 4,
  },
} satisfies PartialRunConfig;

/** The desktop-scale comparison of shared/MOT.md: 1,500 steps of 32 x 64 byte tokens (about 3M). */
const desktop = BASE_CONFIG;

export const PRESETS: Preset[] = [
  preset(
    'tiny-dense',
    'Dense baseline, 2 blocks, 200 steps on Brown (bytes): a few minutes on a laptop CPU.',
    tiny,
  ),
  preset(
    'tiny-mot',
    'MoT in both blocks, g 8, E 8, FLOP-matched (E*f = g*dFF), 200 steps on Brown.',
    {
      ...tiny,
      model: { ...tiny.model, ffn: 'mot' },
    },
  ),
  preset(
    'tiny-moe',
    'Switch (top-1) MoE, 8 experts at matched active compute, capacity 1.25, 200 steps on Brown.',
    {
      ...tiny,
      model: { ...tiny.model, ffn: 'moe' },
    },
  ),
  preset(
    'desktop-dense',
    'Reference dense run of shared/MOT.md: d 128, 4 blocks, T 64, B 32, 1,500 steps (3M tokens).',
    desktop,
  ),
  preset(
    'desktop-mot',
    'Reference MoT run: g 8, E 8, FLOP-matched, all blocks, init scale 1.0, 1,500 steps.',
    {
      model: { ...desktop.model, ffn: 'mot' },
    },
  ),
  preset('desktop-moe', 'Reference Switch MoE run: 8 experts, top-1, capacity 1.25, 1,500 steps.', {
    model: { ...desktop.model, ffn: 'moe' },
  }),
  preset(
    'smoke',
    'A seconds-long MoT run for checking an install: d 32, 1 block, T 16, B 8, 20 steps.',
    {
      model: {
        ...BASE_CONFIG.model,
        dModel: 32,
        layers: 1,
        heads: 2,
        contextLength: 16,
        dFF: 64,
        ffn: 'mot',
        mot: { ...BASE_CONFIG.model.mot, groupSize: 4, experts: 4 },
      },
      train: {
        ...BASE_CONFIG.train,
        steps: 20,
        batchSize: 8,
        warmupSteps: 2,
        evalEvery: 10,
        evalBatches: 2,
        checkpointEvery: 10,
        snapshotEvery: 10,
      },
    },
  ),
];

export function findPreset(name: string): Preset {
  const found = PRESETS.find((p) => p.name === name);
  if (!found)
    throw new Error(
      `unknown preset "${name}"; choose one of: ${PRESETS.map((p) => p.name).join(', ')}`,
    );
  return found;
}
