/**
 * Pure helpers over metric records: axes, smoothing, look-ups by step, and the router/mixer health
 * summary. Nothing here is reactive; the state classes call these and the views draw the results.
 */
import type {
  EvalRecord,
  LayerMetrics,
  MetricRecord,
  TrainRecord,
} from '../../../core/train/metrics';

export type { EvalRecord, LayerMetrics, MetricRecord, TrainRecord };

export interface Point {
  x: number;
  y: number;
}

export const X_AXES = ['step', 'tokens', 'flops', 'time'] as const;
export type XAxis = (typeof X_AXES)[number];
export const X_AXIS_LABELS: Record<XAxis, string> = {
  step: 'Step',
  tokens: 'Tokens',
  flops: 'Training FLOPs',
  time: 'Wall time (min)',
};

/** Where a record sits on an x axis. Wall time is training time in minutes, pauses excluded. */
export function xOf(record: MetricRecord, axis: XAxis): number {
  switch (axis) {
    case 'step':
      return record.step;
    case 'tokens':
      return record.tokens;
    case 'flops':
      return record.flops;
    case 'time':
      return record.elapsedMs / 60_000;
  }
}

export const TRAIN_SERIES = [
  'lmLoss',
  'loss',
  'auxLoss',
  'learningRate',
  'gradNorm',
  'tokensPerSecond',
] as const;
export type TrainSeries = (typeof TRAIN_SERIES)[number];
/** Per-layer internals, averaged over the layers that have them (none: no point). */
export const LAYER_SERIES = ['mixEntropy', 'mixMaxWeight', 'moeMaxLoad', 'moeDropped'] as const;
export type LayerSeries = (typeof LAYER_SERIES)[number];
/** What compare can plot: a train series, a layer internal or the validation loss. */
export type CompareMetric = TrainSeries | LayerSeries | 'validationLoss';

/**
 * A layer internal of one train record: MoT mixing entropy (normalised, 1 = uniform) and max
 * mixing weight, averaged over MoT layers and experts; MoE's busiest expert's share of tokens
 * times the expert count (1 = balanced) and dropped fraction, averaged over MoE layers.
 * Undefined when the record has no such layer (a dense run, or MoT metrics of an MoE run).
 * `block` picks one block instead of the mean over all.
 */
export function layerValue(
  record: TrainRecord,
  metric: LayerSeries,
  block: number | null = null,
): number | undefined {
  const values: number[] = [];
  for (const layer of record.layers) {
    if (block !== null && layer.block !== block) continue;
    if (layer.kind === 'mot' && metric === 'mixEntropy') values.push(mean(layer.mixEntropy));
    if (layer.kind === 'mot' && metric === 'mixMaxWeight') values.push(mean(layer.maxWeight));
    if (layer.kind === 'moe' && metric === 'moeMaxLoad')
      values.push(Math.max(...layer.load) * layer.load.length);
    if (layer.kind === 'moe' && metric === 'moeDropped') values.push(layer.droppedFraction);
  }
  return values.length > 0 ? mean(values) : undefined;
}

/** The metric's name, naming the block when a layer metric shows one. */
export function metricLabel(metric: CompareMetric, block: number | null = null): string {
  const label = METRIC_LABELS[metric];
  return isLayerSeries(metric) && block !== null
    ? label.replace(/ \(mean of layers\)$/, '').concat(`, block ${block}`)
    : label;
}

export function isLayerSeries(metric: CompareMetric): metric is LayerSeries {
  return (LAYER_SERIES as readonly string[]).includes(metric);
}
export const METRIC_LABELS: Record<CompareMetric, string> = {
  lmLoss: 'Train loss (LM)',
  loss: 'Train loss (LM + aux)',
  auxLoss: 'Auxiliary loss',
  learningRate: 'Learning rate',
  gradNorm: 'Gradient norm',
  tokensPerSecond: 'Tokens / s',
  validationLoss: 'Validation loss',
  mixEntropy: 'MoT mixing entropy (mean of layers)',
  mixMaxWeight: 'MoT max mixing weight (mean of layers)',
  moeMaxLoad: 'MoE busiest expert load × experts',
  moeDropped: 'MoE dropped fraction (mean of layers)',
};

/**
 * Exponential moving average with TensorBoard's debiasing, so the first points are not pulled
 * towards zero. weight 0 returns the input values.
 */
export function ema(points: Point[], weight: number): Point[] {
  if (weight <= 0) return points;
  const out: Point[] = new Array(points.length);
  let last = 0;
  let debias = 1;
  for (let i = 0; i < points.length; i++) {
    const { x, y } = points[i];
    if (!Number.isFinite(y)) {
      out[i] = { x, y };
      continue;
    }
    last = last * weight + (1 - weight) * y;
    debias *= weight;
    out[i] = { x, y: last / (1 - debias) };
  }
  return out;
}

/** Index of the item whose key is nearest to `target` in an array sorted by key; -1 if empty. */
export function nearestIndex<T>(
  items: readonly T[],
  target: number,
  key: (item: T) => number,
): number {
  if (items.length === 0) return -1;
  let lo = 0;
  let hi = items.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(items[mid]) < target) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(key(items[lo - 1]) - target) <= Math.abs(key(items[lo]) - target)) {
    return lo - 1;
  }
  return lo;
}

/** The value in a sorted list nearest to `target`, or undefined for an empty list. */
export function nearestValue(values: readonly number[], target: number): number | undefined {
  const i = nearestIndex(values, target, (v) => v);
  return i < 0 ? undefined : values[i];
}

/** Mean step time over the last `window` records (pauses excluded), in ms. */
export function recentStepMs(train: readonly TrainRecord[], window = 50): number | undefined {
  if (train.length < 2) return train[0]?.stepMs;
  const last = train[train.length - 1];
  const first = train[Math.max(0, train.length - 1 - window)];
  const steps = last.step - first.step;
  return steps > 0 ? (last.elapsedMs - first.elapsedMs) / steps : last.stepMs;
}

/** Mean of the last `window` tokens/s readings: a steadier figure than the last one. */
export function recentTokensPerSecond(
  train: readonly TrainRecord[],
  window = 20,
): number | undefined {
  if (train.length === 0) return undefined;
  const slice = train.slice(-window);
  return slice.reduce((sum, r) => sum + r.tokensPerSecond, 0) / slice.length;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

// ---------------------------------------------------------------------------------------------
// Health of routers and mixers

/** Below this mean normalised entropy a MoT layer's experts each take about one token. */
export const COLLAPSE_ENTROPY = 0.1;
/** An expert whose normalised mixing entropy is below this mixes about one token. */
export const ONE_TOKEN_ENTROPY = 0.02;
/** A MoE expert with less than this share of the mean load is treated as dead. */
export const DEAD_LOAD_SHARE = 0.05;

export type Severity = 'ok' | 'warn' | 'bad';

export interface LayerHealth {
  block: number;
  kind: 'mot' | 'moe';
  /** Label/value pairs for the health table. */
  stats: { label: string; value: string; title?: string; severity?: Severity }[];
  warnings: string[];
  severity: Severity;
}

export function layerHealth(layer: LayerMetrics): LayerHealth {
  if (layer.kind === 'mot') {
    const entropyMean = mean(layer.mixEntropy);
    const oneToken = layer.mixEntropy.filter((h) => h < ONE_TOKEN_ENTROPY).length;
    const maxWeightMean = mean(layer.maxWeight);
    const warnings: string[] = [];
    if (entropyMean < COLLAPSE_ENTROPY) {
      warnings.push(
        `Block ${layer.block}: mean normalised mixing entropy ${entropyMean.toFixed(3)} < ${COLLAPSE_ENTROPY}: experts have collapsed to single tokens (discrete routing).`,
      );
    } else if (oneToken > 0) {
      warnings.push(
        `Block ${layer.block}: ${oneToken} of ${layer.mixEntropy.length} experts mix about one token (entropy < ${ONE_TOKEN_ENTROPY}).`,
      );
    }
    const severity: Severity =
      entropyMean < COLLAPSE_ENTROPY ? 'bad' : oneToken > 0 ? 'warn' : 'ok';
    return {
      block: layer.block,
      kind: 'mot',
      severity,
      warnings,
      stats: [
        {
          label: 'Entropy (mean)',
          value: entropyMean.toFixed(3),
          title: 'H(w[:,e]) / log g, averaged over experts: 1 = uniform mix, 0 = one token',
          severity: entropyMean < COLLAPSE_ENTROPY ? 'bad' : 'ok',
        },
        {
          label: 'Entropy (min)',
          value: Math.min(...layer.mixEntropy).toFixed(3),
          severity: oneToken > 0 ? 'warn' : 'ok',
        },
        {
          label: 'Max weight (mean)',
          value: maxWeightMean.toFixed(3),
          title: 'Mean over groups of max_i w[i,e]',
        },
        { label: 'One-token experts', value: `${oneToken} / ${layer.mixEntropy.length}` },
        {
          label: 'Logit mean ± std',
          value: `${layer.logitMean.toFixed(2)} ± ${layer.logitStd.toFixed(2)}`,
        },
      ],
    };
  }
  const loadMean = mean(layer.load);
  const dead = layer.load.filter((l) => l < DEAD_LOAD_SHARE * loadMean).length;
  const spread = Math.max(...layer.load) / (loadMean || 1);
  const warnings: string[] = [];
  if (dead > 0) {
    warnings.push(
      `Block ${layer.block}: ${dead} of ${layer.load.length} experts get about no tokens (load < ${DEAD_LOAD_SHARE * 100}% of the mean): dead experts.`,
    );
  }
  if (layer.droppedFraction > 0.2) {
    warnings.push(
      `Block ${layer.block}: ${(layer.droppedFraction * 100).toFixed(0)}% of token choices dropped at capacity ${layer.capacity}.`,
    );
  }
  const severity: Severity = dead > 0 ? 'bad' : layer.droppedFraction > 0.2 ? 'warn' : 'ok';
  return {
    block: layer.block,
    kind: 'moe',
    severity,
    warnings,
    stats: [
      {
        label: 'Load spread',
        value: `${spread.toFixed(2)}×`,
        title: 'Busiest expert / mean load (1 = perfectly balanced)',
        severity: spread > 2 ? 'warn' : 'ok',
      },
      {
        label: 'Dead experts',
        value: `${dead} / ${layer.load.length}`,
        severity: dead > 0 ? 'bad' : 'ok',
      },
      {
        label: 'Dropped',
        value: `${(layer.droppedFraction * 100).toFixed(1)}%`,
        severity: layer.droppedFraction > 0.2 ? 'warn' : 'ok',
      },
      { label: 'Capacity', value: String(layer.capacity) },
      { label: 'Load-balance loss', value: layer.loadBalanceLoss.toFixed(4) },
      { label: 'Router z-loss', value: layer.routerZLoss.toFixed(4) },
    ],
  };
}

/** Per-expert values of a layer for the layer x expert heatmap: entropy (MoT) or load / mean (MoE). */
export function layerExpertValues(layer: LayerMetrics): number[] {
  if (layer.kind === 'mot') return layer.mixEntropy;
  const total = layer.load.reduce((a, b) => a + b, 0) || 1;
  return layer.load.map((l) => l / total);
}

/**
 * One layer's per-expert values over training, averaged into at most `bins` columns of steps:
 * rows are experts, columns are step bins. Returns the bins' first steps too.
 */
export function expertTimeline(
  train: readonly TrainRecord[],
  block: number,
  bins = 240,
): { values: number[][]; steps: number[] } {
  const rows: { step: number; values: number[] }[] = [];
  for (const record of train) {
    const layer = record.layers.find((l) => l.block === block);
    if (layer) rows.push({ step: record.step, values: layerExpertValues(layer) });
  }
  if (rows.length === 0) return { values: [], steps: [] };
  const experts = rows[0].values.length;
  const columns = Math.min(bins, rows.length);
  const sums = Array.from({ length: experts }, () => new Float64Array(columns));
  const counts = new Float64Array(columns);
  const steps = new Array<number>(columns).fill(0);
  for (let i = 0; i < rows.length; i++) {
    const column = Math.min(columns - 1, Math.floor((i * columns) / rows.length));
    if (counts[column] === 0) steps[column] = rows[i].step;
    counts[column]++;
    for (let e = 0; e < experts; e++) sums[e][column] += rows[i].values[e] ?? 0;
  }
  return {
    values: sums.map((row) => Array.from(row, (sum, c) => sum / (counts[c] || 1))),
    steps,
  };
}
