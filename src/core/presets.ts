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
      router: 'token-choice',
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
    seed: 1,
    validationTokens: 65536,
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

/**
 * "The paper at desktop scale": the desktop setup with a checkpoint every 150 steps, so the MoT
 * arm can be transition-tuned for the last 10% of steps (`mot transition --run ID --step 1350
 * --steps 150`: same schedule as its parent's last 150 steps). Sized by measurement on 2 CPU
 * cores (wasm, `mot train --preset desktop-* --steps 30`, while other jobs shared the cores):
 * dense about 0.66 s/step, MoT 0.90, token-choice MoE 0.7-1.5, so 1,500 steps take about
 * 17-25 minutes per arm. All arms cost about the dense FFN's FLOPs per token.
 */
const study = { train: { ...desktop.train, checkpointEvery: 150 } } satisfies PartialRunConfig;
const STUDY_NOTE = 'Study "the paper at desktop scale" (about 20 min on 2 cores)';

/**
 * The larger study for a machine with a GPU (tfjs-node-gpu): the paper's small proof of concept
 * (d 256, 4 blocks, 4 heads, dFF 1024, context 256, MoT g 32) on Brown with a BPE vocabulary,
 * batch 64 and 1,000 steps (16M tokens: about 10 passes over Brown's ~1.5M BPE tokens; the corpora
 * that ship in npm packages are small, so watch validation loss for overfitting). E 64 experts of
 * width 512 keeps E*f = g*dFF. Not timed here (no GPU on the machines this was built on): about
 * 0.5 PFLOP of training per run, 25x the desktop study.
 */
const gpuModel = {
  ...desktop.model,
  dModel: 256,
  heads: 4,
  contextLength: 256,
  dFF: 1024,
  mot: { ...desktop.model.mot, groupSize: 32, experts: 64 },
  moe: { ...desktop.model.moe, experts: 64 },
};
const gpuStudy = {
  data: { ...desktop.data, tokenizer: { kind: 'bpe', vocabSize: 4096 } },
  train: {
    ...desktop.train,
    steps: 1000,
    batchSize: 64,
    warmupSteps: 250,
    evalEvery: 250,
    checkpointEvery: 500,
    snapshotEvery: 250,
  },
  backend: 'tensorflow',
} satisfies PartialRunConfig;
const GPU_NOTE =
  "GPU study (the paper's small proof of concept on Brown, BPE 4096; needs tfjs-node-gpu)";

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
    'study-dense',
    `${STUDY_NOTE}: dense baseline, d 128, 4 blocks, dFF 512, T 64, B 32, 1,500 steps (3M byte tokens).`,
    study,
  ),
  preset(
    'study-mot',
    `${STUDY_NOTE}: MoT g 8, E 8, f 512 in all blocks, FLOP-matched (E*f = g*dFF: the experts cost one dense FFN per token, plus 3*d*E mixing). ` +
      'For the transition-tuned arm run `mot transition --run ID --step 1350 --steps 150` on it: MoT for 90% of the steps, then a Switch MoE on the same schedule.',
    { ...study, model: { ...desktop.model, ffn: 'mot' } },
  ),
  preset(
    'study-moe',
    `${STUDY_NOTE}: token-choice Switch MoE at matched active compute (top-1 of 8 experts of width dFF = 512), capacity 1.25, load balance 0.01.`,
    { ...study, model: { ...desktop.model, ffn: 'moe' } },
  ),
  preset(
    'study-moe-expert-choice',
    `${STUDY_NOTE}: expert-choice MoE, 8 experts of width 512, capacity factor 1 (each expert takes N/8 tokens of the batch: one expert per token on average, matched active compute).`,
    {
      ...study,
      model: {
        ...desktop.model,
        ffn: 'moe',
        moe: { ...desktop.model.moe, router: 'expert-choice', capacityFactor: 1 },
      },
    },
  ),
  preset(
    'study-gpu-dense',
    `${GPU_NOTE}: dense, d 256, 4 blocks, T 256, B 64, 1,000 steps (16M tokens).`,
    {
      ...gpuStudy,
      model: gpuModel,
    },
  ),
  preset(
    'study-gpu-mot',
    `${GPU_NOTE}: MoT g 32, E 64, f 512 (FLOP-matched), all blocks, lr 2e-3 as the paper's MoT.`,
    {
      ...gpuStudy,
      model: { ...gpuModel, ffn: 'mot' },
    },
  ),
  preset(
    'study-gpu-moe',
    `${GPU_NOTE}: Switch top-1 MoE, 64 experts of width 1024, capacity 1.25.`,
    {
      ...gpuStudy,
      model: { ...gpuModel, ffn: 'moe' },
    },
  ),
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
      data: { ...BASE_CONFIG.data, validationTokens: 4096 },
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
