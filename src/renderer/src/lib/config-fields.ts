/**
 * The fields of the experiment form, one row each: where the value lives in the config, its
 * range or choices (the same as core/config.ts's schema), and one line of help. The form is
 * drawn from these tables, so a new setting is one row here.
 */
import type { RunConfig } from '../../../core/config';

interface FieldSpec {
  path: string;
  label: string;
  help: string;
  /** Why the setting does nothing for this config (the field is then disabled); null = it applies. */
  inapplicable?: (config: RunConfig) => string | null;
}

export interface NumberFieldSpec extends FieldSpec {
  min: number;
  max: number;
  /** Integer fields step by 1; others accept any value. */
  integer?: boolean;
  /** null is allowed; the input shows this placeholder when empty. */
  nullable?: string;
  /** The key may be absent (emptying the input removes it); the input shows this placeholder. */
  optional?: string;
}

export interface ChoiceFieldSpec extends FieldSpec {
  options: { value: string; label: string }[];
  /** What a chosen option writes into the config (default: the option's string; undefined drops the key). */
  toConfig?: (value: string) => unknown;
}

/** Why `spec` does nothing for `config`, or null when it applies. */
export function inapplicableReason(spec: FieldSpec, config: RunConfig): string | null {
  return spec.inapplicable?.(config) ?? null;
}

export const MODEL_FIELDS: NumberFieldSpec[] = [
  {
    path: 'model.dModel',
    label: 'Model width d',
    help: 'Width of the residual stream.',
    min: 8,
    max: 8192,
    integer: true,
  },
  {
    path: 'model.layers',
    label: 'Blocks',
    help: 'Transformer blocks (attention + FFN each).',
    min: 1,
    max: 128,
    integer: true,
  },
  {
    path: 'model.heads',
    label: 'Heads',
    help: 'Attention heads; must divide d.',
    min: 1,
    max: 128,
    integer: true,
  },
  {
    path: 'model.contextLength',
    label: 'Context length T',
    help: 'Tokens per sequence.',
    min: 2,
    max: 8192,
    integer: true,
  },
  {
    path: 'model.dFF',
    label: 'Dense FFN width dFF',
    help: '4·d in the paper; the reference for FLOP matching.',
    min: 1,
    max: 65536,
    integer: true,
  },
  {
    path: 'model.initScale',
    label: 'Init scale',
    help: 'std = sqrt(scale / fan_in) for attention and dense weights.',
    min: 1e-4,
    max: 10,
  },
];

export const MODEL_CHOICES: ChoiceFieldSpec[] = [
  {
    path: 'model.initTruncation',
    label: 'Init truncation',
    help: 'Where the truncated-normal init is cut: ±2·scale (authors) or ±2σ (std 0.88× nominal).',
    options: [
      { value: 'scale', label: '±2·scale (authors)' },
      { value: 'std', label: '±2σ' },
    ],
  },
];

export const MOT_FIELDS: NumberFieldSpec[] = [
  {
    path: 'model.mot.groupSize',
    label: 'Group size g',
    help: 'Tokens from g different examples (same position) are mixed; must divide the batch.',
    min: 1,
    max: 1024,
    integer: true,
  },
  {
    path: 'model.mot.experts',
    label: 'Experts E',
    help: 'Each expert receives one mix per group.',
    min: 1,
    max: 4096,
    integer: true,
  },
  {
    path: 'model.mot.expertWidth',
    label: 'Expert width f',
    help: 'Hidden width per expert. Blank = FLOP-matched: E·f = g·dFF.',
    min: 1,
    max: 65536,
    integer: true,
    nullable: 'FLOP-matched',
  },
  {
    path: 'model.mot.temperature',
    label: 'Temperature τ',
    help: 'Softmax temperature over the group; 1.0 in every published run.',
    min: 1e-6,
    max: 100,
  },
  {
    path: 'model.mot.initScale',
    label: 'Init scale',
    help: '0.1 (paper Medium/Base) or 1.0 (small proof of concept).',
    min: 1e-4,
    max: 10,
  },
];

export const MOE_FIELDS: NumberFieldSpec[] = [
  {
    path: 'model.moe.experts',
    label: 'Experts E',
    help: 'Sparse experts per MoE block.',
    min: 1,
    max: 4096,
    integer: true,
  },
  {
    path: 'model.moe.expertWidth',
    label: 'Expert width f',
    help: 'Blank = matched active compute: top-k · f = dFF.',
    min: 1,
    max: 65536,
    integer: true,
    nullable: 'matched',
  },
  {
    path: 'model.moe.topK',
    label: 'Top-k',
    help: 'Experts per token (1 = Switch). Token choice only.',
    min: 1,
    max: 64,
    integer: true,
    inapplicable: (config) => expertChoiceOnly(config, 'each token gets the experts that chose it'),
  },
  {
    path: 'model.moe.capacityFactor',
    label: 'Capacity factor',
    help: 'Tokens an expert may take = factor · tokens · k / E; the rest are dropped (1.25 in the paper).',
    min: 0.01,
    max: 64,
  },
  {
    path: 'model.moe.loadBalanceWeight',
    label: 'Load-balance weight',
    help: 'Switch auxiliary loss weight (0.01 in the paper).',
    min: 0,
    max: 10,
    inapplicable: (config) => expertChoiceOnly(config, 'expert choice is balanced by construction'),
  },
  {
    path: 'model.moe.routerZLossWeight',
    label: 'Router z-loss weight',
    help: 'Penalty on large router logits; 0 = off.',
    min: 0,
    max: 10,
  },
  {
    path: 'model.moe.initScale',
    label: 'Init scale',
    help: 'std = sqrt(scale / fan_in) for router and experts.',
    min: 1e-4,
    max: 10,
  },
];

/** Why a token-choice setting does nothing for an expert-choice run, or null where it applies. */
function expertChoiceOnly(config: RunConfig, why: string): string | null {
  return config.model.moe.router === 'expert-choice' ? `Token choice only: ${why}.` : null;
}

export const MOE_CHOICES: ChoiceFieldSpec[] = [
  {
    path: 'model.moe.balanceChoices',
    label: 'Load-balance counts',
    help: 'Which of a token’s k choices the load-balance loss counts.',
    options: [
      { value: 'all', label: 'All k choices (authors)' },
      { value: 'first', label: 'First choice only (Switch)' },
    ],
    inapplicable: (config) =>
      config.model.moe.router === 'expert-choice'
        ? 'Token choice only: expert choice has no load-balance loss.'
        : config.model.moe.topK === 1
          ? 'Both count the same with top-k = 1.'
          : null,
  },
];

/** How many threads train a tfjs run: data parallel inside its process (train.workers). */
export const WORKERS_CHOICE: ChoiceFieldSpec = {
  path: 'train.workers',
  label: 'Worker threads',
  help: 'Data parallel: each thread trains batch ÷ threads rows (whole MoT groups); auto = the cores ÷ runs at once. A sparse MoE’s capacity is per thread.',
  options: [
    { value: '1', label: '1' },
    { value: 'auto', label: 'auto (cores ÷ concurrent runs)' },
    ...[2, 4, 8, 16].map((n) => ({ value: String(n), label: String(n) })),
  ],
  toConfig: (value) => (value === 'auto' ? 'auto' : value === '1' ? undefined : Number(value)),
  // A count > 1 stays editable on another backend, so its error can be fixed where it shows.
  inapplicable: (config) =>
    typeof config.train.workers === 'number' && config.train.workers > 1
      ? null
      : config.backend === 'torch'
        ? 'The torch engine splits the batch across processes instead.'
        : config.backend === 'webgpu' || config.backend === 'tensorflow'
          ? 'Worker threads run the wasm and cpu backends.'
          : null,
};

export const TRAIN_FIELDS: NumberFieldSpec[] = [
  {
    path: 'train.steps',
    label: 'Steps',
    help: 'Optimizer updates.',
    min: 1,
    max: 10_000_000,
    integer: true,
  },
  {
    path: 'train.batchSize',
    label: 'Batch B',
    help: 'Sequences per step; a multiple of the MoT group size.',
    min: 1,
    max: 65536,
    integer: true,
  },
  {
    path: 'train.learningRate',
    label: 'Learning rate',
    help: 'Peak LR after warm-up (paper: dense 4e-3, MoT 2e-3).',
    min: 1e-7,
    max: 1,
  },
  {
    path: 'train.warmupSteps',
    label: 'Warm-up steps',
    help: 'Linear warm-up from 0 to the peak LR.',
    min: 0,
    max: 10_000_000,
    integer: true,
  },
  {
    path: 'train.minLrRatio',
    label: 'Min LR ratio',
    help: 'Cosine decay ends at this fraction of the peak (0.1 in the paper).',
    min: 0,
    max: 1,
  },
  {
    path: 'train.weightDecay',
    label: 'Weight decay',
    help: 'AdamW decoupled weight decay.',
    min: 0,
    max: 1,
  },
  {
    path: 'train.beta1',
    label: 'β1',
    help: 'AdamW first-moment decay (0.9).',
    min: 0,
    max: 0.99999,
  },
  {
    path: 'train.beta2',
    label: 'β2',
    help: 'AdamW second-moment decay (0.999 in the paper).',
    min: 0,
    max: 0.999999,
  },
  { path: 'train.epsilon', label: 'ε', help: 'AdamW denominator epsilon.', min: 1e-12, max: 1 },
  {
    path: 'train.gradClip',
    label: 'Gradient clip',
    help: 'Global norm clip (0.5 in the paper); 0 = off.',
    min: 0,
    max: 1e6,
  },
  {
    path: 'train.seed',
    label: 'Seed',
    help: 'Initialisation and batch order (and the split, while Data seed is empty).',
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
  },
];

export const INTERVAL_FIELDS: NumberFieldSpec[] = [
  {
    path: 'train.evalEvery',
    label: 'Evaluate every',
    help: 'Steps between validation-loss measurements.',
    min: 1,
    max: 10_000_000,
    integer: true,
  },
  {
    path: 'train.evalBatches',
    label: 'Eval batches',
    help: 'Validation batches per measurement.',
    min: 1,
    max: 1000,
    integer: true,
    inapplicable: (config) =>
      config.data.validationTokens === undefined
        ? null
        : 'Not used: the validation sample is set in tokens (Data).',
  },
  {
    path: 'train.checkpointEvery',
    label: 'Checkpoint every',
    help: 'Steps between checkpoints (resume, fork, generate).',
    min: 1,
    max: 10_000_000,
    integer: true,
  },
  {
    path: 'train.snapshotEvery',
    label: 'Snapshot every',
    help: 'Steps between mixing snapshots (token-mix heatmaps).',
    min: 1,
    max: 10_000_000,
    integer: true,
  },
];

export const DATA_FIELDS: NumberFieldSpec[] = [
  {
    path: 'data.validationFraction',
    label: 'Validation fraction',
    help: 'Share of documents held out (split by document).',
    min: 0.001,
    max: 0.5,
  },
  {
    path: 'data.validationTokens',
    label: 'Validation tokens',
    help: 'Validation sample size: random windows over all held-out documents, the same at every evaluation.',
    min: 1,
    max: 1 << 26,
    integer: true,
    optional: 'first eval batches',
  },
  {
    path: 'data.seed',
    label: 'Data seed',
    help: 'Chooses the split and the validation sample, apart from the training seed.',
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
    optional: 'the training seed',
  },
];

/** The torch engine's data parallelism: greyed out for the tfjs backends (unless set > 1). */
export const ENGINE_FIELDS: NumberFieldSpec[] = [
  {
    path: 'train.processes',
    label: 'Processes',
    help: 'Data-parallel Python processes; each trains batch size / processes rows, MoT groups kept whole.',
    min: 1,
    max: 4096,
    integer: true,
    optional: '1',
    // A value > 1 stays editable on another backend, so its error can be fixed where it shows.
    inapplicable: (config) =>
      config.backend !== 'torch' && (config.train.processes ?? 1) <= 1
        ? 'Backend torch only: the tfjs backends train in one process.'
        : null,
  },
];

export const ENGINE_CHOICES: ChoiceFieldSpec[] = [
  {
    path: 'train.precision',
    label: 'Precision',
    help: 'bf16 and tf32 apply on CUDA only; on a CPU the torch engine trains in fp32.',
    options: [
      { value: 'fp32', label: 'fp32' },
      { value: 'tf32', label: 'tf32 (TF32 matmuls)' },
      { value: 'bf16', label: 'bf16 (autocast)' },
    ],
    inapplicable: (config) =>
      config.backend === 'torch' || config.backend === 'auto'
        ? null
        : 'Backend torch (or auto on a CUDA machine) only: the tfjs backends train in fp32.',
  },
];
