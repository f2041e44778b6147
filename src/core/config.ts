/**
 * The run configuration: one validated object that says everything a run needs (model, data,
 * optimisation, backend). A config file may give only part of it; `resolveConfig` lays it over
 * defaults, then checks types, ranges and the cross-field rules (heads divide d, batch is a
 * multiple of the MoT group size, FLOP matching gives an integer width, ...).
 */
import * as v from 'valibot';
import { workerSplitProblem } from './train/data-parallel';

const int = (min: number, max: number) =>
  v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const num = (min: number, max: number) => v.pipe(v.number(), v.minValue(min), v.maxValue(max));

/** Imported dataset ids are slugs: safe to join into a path inside the data dir. */
export const DATASET_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const FFN_KINDS = ['dense', 'mot', 'moe'] as const;
export type FfnKind = (typeof FFN_KINDS)[number];
/** How a sparse MoE pairs tokens with experts: tokens pick experts, or experts pick tokens. */
export const MOE_ROUTERS = ['token-choice', 'expert-choice'] as const;
export type MoeRouter = (typeof MOE_ROUTERS)[number];
export const INIT_TRUNCATIONS = ['scale', 'std'] as const;
export type InitTruncation = (typeof INIT_TRUNCATIONS)[number];
/** `torch` is the Python engine (resources/torch); the others are tfjs backends. */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu', 'torch'] as const;
export type BackendChoice = (typeof BACKEND_NAMES)[number];

const MotSchema = v.strictObject({
  /** g: tokens from g different examples (same position) are mixed together. */
  groupSize: int(1, 1024),
  /** E: number of experts; each receives one mix per group. */
  experts: int(1, 4096),
  /** f: hidden width of each expert; null = FLOP-matched, E*f = g*dFF. */
  expertWidth: v.nullable(int(1, 1 << 16)),
  /** tau: softmax temperature over the group (1.0 in every published run). */
  temperature: num(1e-6, 100),
  /** std = sqrt(initScale / fan_in) (see model.initTruncation). 0.1 (paper Medium/Base) or 1.0. */
  initScale: num(1e-4, 10),
});

const MoeSchema = v.strictObject({
  /**
   * token-choice (Switch / top-k: each token picks its experts, an expert takes at most its
   * capacity) or expert-choice (Zhou et al. 2022: each expert picks its top-c tokens of the batch).
   */
  router: v.optional(v.picklist(MOE_ROUTERS), 'token-choice'),
  experts: int(1, 4096),
  /** null = matched active compute: topK * f = dFF. */
  expertWidth: v.nullable(int(1, 1 << 16)),
  /** Experts per token (1 = Switch). Token choice only. */
  topK: int(1, 64),
  /**
   * Tokens an expert may take: floor(capacityFactor * tokens * topK / E) per batch with token
   * choice; with expert choice exactly floor(capacityFactor * B / E) per position (the experts
   * choose among the batch's sequences at each position), so capacityFactor is the mean number
   * of experts per token.
   */
  capacityFactor: num(0.01, 64),
  loadBalanceWeight: num(0, 10),
  /**
   * Which choices the token-choice load-balancing loss counts: all k of every token (the
   * authors' count; the default) or only the first (Switch's). The same for topK = 1.
   */
  balanceChoices: v.optional(v.picklist(['all', 'first']), 'all'),
  routerZLossWeight: num(0, 10),
  initScale: num(1e-4, 10),
});

const PlacementSchema = v.union([
  v.picklist(['all', 'second-half']),
  v.pipe(v.array(int(0, 1023)), v.minLength(1)),
]);

const ModelSchema = v.strictObject({
  dModel: int(8, 8192),
  layers: int(1, 128),
  heads: int(1, 128),
  contextLength: int(2, 8192),
  /** Width of the dense FFN (4*d in the paper); the reference for FLOP matching. */
  dFF: int(1, 1 << 16),
  /** The FFN used in the blocks chosen by `placement`; all other blocks are dense. */
  ffn: v.picklist(FFN_KINDS),
  placement: PlacementSchema,
  mot: MotSchema,
  moe: MoeSchema,
  /** std = sqrt(initScale / fan_in) for attention and dense weights. */
  initScale: num(1e-4, 10),
  /**
   * Where the truncated-normal init is cut: `scale` at +-2 * initScale in absolute terms, as the
   * authors do (`trunc_normal_(std, a=-2*scale, b=2*scale)`; at these fan-ins in effect an
   * untruncated normal, the default), or `std` at +-2 std (the actual std is then 0.88x nominal).
   */
  initTruncation: v.optional(v.picklist(INIT_TRUNCATIONS), 'scale'),
});

const CorpusSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('builtin'), name: v.picklist(['brown', 'nlp-corpus']) }),
  v.strictObject({ kind: v.literal('file'), path: v.pipe(v.string(), v.minLength(1)) }),
  /** A user's file imported into the data dir (`mot datasets import`, or the app's file dialog). */
  v.strictObject({
    kind: v.literal('dataset'),
    id: v.pipe(v.string(), v.regex(DATASET_ID_PATTERN, 'must be an imported dataset id')),
  }),
]);

const TokenizerSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('bytes') }),
  v.strictObject({ kind: v.literal('bpe'), vocabSize: int(512, 8192) }),
]);

const DataSchema = v.strictObject({
  corpus: CorpusSchema,
  tokenizer: TokenizerSchema,
  /** Fraction of documents held out for validation (split by document, never by window). */
  validationFraction: num(0.001, 0.5),
  /**
   * The data seed: which documents are held out, which validation windows are scored and their
   * order. Apart from train.seed (initialisation and batch order), so a study can vary the
   * training seed over one fixed validation set. Absent (runs made before it): train.seed.
   */
  seed: v.optional(int(0, 2 ** 31 - 1)),
  /**
   * Size of the validation sample in tokens: whole batches of windows drawn at random, with the
   * data seed, across every validation document (all of them when the split holds fewer), in a
   * shuffled order, so MoT groups at validation are random windows as in training. Absent (runs
   * made before it): the first train.evalBatches batches of consecutive windows.
   */
  validationTokens: v.optional(int(1, 1 << 26)),
});

const TrainSchema = v.strictObject({
  steps: int(1, 10_000_000),
  batchSize: int(1, 65536),
  learningRate: num(1e-7, 1),
  /** Cosine decay ends at minLrRatio * learningRate (0.1 in the paper). */
  minLrRatio: num(0, 1),
  warmupSteps: int(0, 10_000_000),
  weightDecay: num(0, 1),
  beta1: num(0, 0.99999),
  beta2: num(0, 0.999999),
  epsilon: num(1e-12, 1),
  /** Global gradient-norm clip (0.5 in the paper); 0 disables. */
  gradClip: num(0, 1e6),
  seed: int(0, 2 ** 31 - 1),
  evalEvery: int(1, 10_000_000),
  /** Validation batches per measurement, for configs without data.validationTokens only. */
  evalBatches: int(1, 1000),
  checkpointEvery: int(1, 10_000_000),
  snapshotEvery: int(1, 10_000_000),
  /** Data-parallel processes (torch engine): each trains batchSize / processes rows. Default 1. */
  processes: v.optional(int(1, 4096)),
  /**
   * Data-parallel worker threads of the tfjs engine (wasm, cpu) inside the training process:
   * each trains batchSize / workers rows (a multiple of the MoT group size) and the gradients
   * are averaged. `auto`: the cores this run may use (the machine's, shared among the runs that
   * train at once), resolved when training starts and kept in the checkpoints, so a resume uses
   * the same number. Absent: 1. A sparse MoE's capacity is per worker.
   */
  workers: v.optional(v.union([int(1, 256), v.literal('auto')])),
  /** torch on CUDA: fp32, tf32 (TF32 matmuls) or bf16 (autocast, TF32 for the rest). Default fp32. */
  precision: v.optional(v.picklist(['fp32', 'tf32', 'bf16'])),
});

export const RunConfigSchema = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(120)),
  description: v.optional(v.pipe(v.string(), v.maxLength(4000)), ''),
  model: ModelSchema,
  data: DataSchema,
  train: TrainSchema,
  backend: v.picklist(BACKEND_NAMES),
});

export type RunConfig = v.InferOutput<typeof RunConfigSchema>;
export type ModelConfig = RunConfig['model'];
export type MotConfig = ModelConfig['mot'];
export type MoeConfig = ModelConfig['moe'];
export type TrainConfig = RunConfig['train'];
export type DataConfig = RunConfig['data'];
export type CorpusSpec = DataConfig['corpus'];
export type TokenizerSpec = DataConfig['tokenizer'];

/** A config error names every offending field, e.g. `model.mot.groupSize: must divide train.batchSize`. */
export class ConfigError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'ConfigError';
  }
}

type DeepPartial<T> = T extends (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
export type PartialRunConfig = DeepPartial<RunConfig>;

/**
 * Lays `partial` over `base` (objects merge key by key, arrays and scalars replace), then
 * validates. Throws ConfigError listing every problem.
 */
export function resolveConfig(base: RunConfig, partial: unknown): RunConfig {
  if (partial !== undefined && !isPlainObject(partial)) {
    throw new ConfigError([{ path: '(root)', message: 'config must be a JSON object' }]);
  }
  return validateConfig(deepMerge(base, partial ?? {}));
}

export function validateConfig(input: unknown): RunConfig {
  const parsed = v.safeParse(RunConfigSchema, input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.issues.map((issue) => ({
        path: v.getDotPath(issue) ?? '(root)',
        message:
          issue.type === 'strict_object' && issue.expected === 'never'
            ? 'unknown key (a typo?)'
            : issue.message,
      })),
    );
  }
  const config = parsed.output;
  const problems = crossFieldProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function crossFieldProblems(c: RunConfig): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const m = c.model;
  if (m.dModel % m.heads !== 0)
    out.push({ path: 'model.heads', message: `must divide model.dModel (${m.dModel})` });
  if (Array.isArray(m.placement)) {
    const bad = m.placement.filter((i) => i >= m.layers);
    if (bad.length)
      out.push({
        path: 'model.placement',
        message: `block index ${bad[0]} >= model.layers (${m.layers})`,
      });
  }
  if (m.ffn === 'mot') {
    if (c.train.batchSize % m.mot.groupSize !== 0) {
      out.push({
        path: 'model.mot.groupSize',
        message: `must divide train.batchSize (${c.train.batchSize}): groups are made across the batch`,
      });
    }
    if (m.mot.expertWidth === null && (m.mot.groupSize * m.dFF) % m.mot.experts !== 0) {
      out.push({
        path: 'model.mot.expertWidth',
        message: `FLOP matching needs experts (${m.mot.experts}) to divide groupSize*dFF (${m.mot.groupSize * m.dFF}); set expertWidth explicitly`,
      });
    }
  }
  if (m.ffn === 'moe') {
    if (m.moe.topK > m.moe.experts)
      out.push({
        path: 'model.moe.topK',
        message: `must be <= model.moe.experts (${m.moe.experts})`,
      });
    if (m.moe.expertWidth === null && m.dFF % m.moe.topK !== 0) {
      out.push({
        path: 'model.moe.expertWidth',
        message: `matched compute needs topK to divide dFF (${m.dFF}); set expertWidth explicitly`,
      });
    }
  }
  const processes = c.train.processes ?? 1;
  if (processes > 1) {
    if (c.backend !== 'torch')
      out.push({ path: 'train.processes', message: 'more than one process needs backend torch' });
    if (c.train.batchSize % processes !== 0)
      out.push({
        path: 'train.processes',
        message: `must divide train.batchSize (${c.train.batchSize}): the global batch is split across processes`,
      });
    else if (m.ffn === 'mot' && (c.train.batchSize / processes) % m.mot.groupSize !== 0)
      out.push({
        path: 'train.processes',
        message: `each process gets ${c.train.batchSize / processes} rows, not a multiple of model.mot.groupSize (${m.mot.groupSize}): MoT groups must stay whole`,
      });
  }
  const workers = c.train.workers;
  if (typeof workers === 'number' && workers > 1) {
    if (c.backend === 'torch')
      out.push({
        path: 'train.workers',
        message:
          "worker threads are the tfjs engine's; torch splits the batch with train.processes",
      });
    else if (c.backend === 'webgpu' || c.backend === 'tensorflow')
      out.push({
        path: 'train.workers',
        message: `more than one worker thread needs backend wasm or cpu (or auto), not ${c.backend}`,
      });
    const split = workerSplitProblem(
      c.train.batchSize,
      workers,
      m.ffn === 'mot' ? m.mot.groupSize : null,
    );
    if (split) out.push({ path: 'train.workers', message: split });
  }
  if (c.train.warmupSteps > c.train.steps)
    out.push({ path: 'train.warmupSteps', message: `must be <= train.steps (${c.train.steps})` });
  return out;
}

/** The seed of the document split and validation sample (data.seed; before it, train.seed). */
export function dataSeedOf(c: RunConfig): number {
  return c.data.seed ?? c.train.seed;
}

/** Indices of the blocks whose FFN is `model.ffn` (the others are dense). */
export function ffnBlocks(m: ModelConfig): Set<number> {
  if (m.ffn === 'dense') return new Set();
  if (m.placement === 'all') return new Set(range(m.layers));
  if (m.placement === 'second-half')
    return new Set(range(m.layers).filter((i) => i >= Math.floor(m.layers / 2)));
  return new Set(m.placement);
}

/** The FFN kind of every block, in order. */
export function blockKinds(m: ModelConfig): FfnKind[] {
  const chosen = ffnBlocks(m);
  return range(m.layers).map((i) => (chosen.has(i) ? m.ffn : 'dense'));
}

/** FLOP matching (MOT.md): E*f = g*dFF, so MoT costs about a dense FFN per token. */
export function motExpertWidth(m: ModelConfig): number {
  return m.mot.expertWidth ?? (m.mot.groupSize * m.dFF) / m.mot.experts;
}

/** Matched active compute for token choice: each token runs topK experts of width dFF/topK. */
export function moeExpertWidth(m: ModelConfig): number {
  return m.moe.expertWidth ?? m.dFF / m.moe.topK;
}

/** A short label such as "mot g8 E8 f512 (all)". */
export function ffnSummary(m: ModelConfig): string {
  if (m.ffn === 'dense') return `dense dFF${m.dFF}`;
  const where = Array.isArray(m.placement) ? `blocks ${m.placement.join(',')}` : m.placement;
  if (m.ffn === 'mot')
    return `mot g${m.mot.groupSize} E${m.mot.experts} f${motExpertWidth(m)} (${where})`;
  if (m.moe.router === 'expert-choice')
    return `moe expert-choice c${m.moe.capacityFactor} E${m.moe.experts} f${moeExpertWidth(m)} (${where})`;
  return `moe top${m.moe.topK} E${m.moe.experts} f${moeExpertWidth(m)} (${where})`;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  // A tagged variant of another kind (a file corpus over a built-in one) replaces, never mixes.
  if ('kind' in over && over.kind !== base.kind) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}
