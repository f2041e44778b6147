/** The records a run emits, one JSON line each in metrics.jsonl. */

/** Diagnostics of one MoT layer for one step; arrays are per expert. */
export interface MotLayerMetrics {
  block: number;
  kind: 'mot';
  /** H(w[:,e]) / log g averaged over groups: 1 = uniform mix, 0 = a single token. */
  mixEntropy: number[];
  /** Mean over groups of max_i w[i,e]. */
  maxWeight: number[];
  logitMean: number;
  logitStd: number;
}

/** Diagnostics of one sparse MoE layer (token or expert choice) for one step. */
export interface MoeLayerMetrics {
  block: number;
  kind: 'moe';
  /** Share of the batch's tokens each expert processed (c/N for every expert with expert choice). */
  load: number[];
  /**
   * Token choice: share of (token, choice) pairs that found their expert full. Expert choice:
   * share of tokens that no expert took (they pass through the residual).
   */
  droppedFraction: number;
  capacity: number;
  /** Shares of the batch's tokens processed by no expert, exactly one, and more than one. */
  takenByNone: number;
  takenByOne: number;
  takenBySeveral: number;
  /** Switch load-balancing loss (unweighted); 0 with expert choice, which needs none. */
  loadBalanceLoss: number;
  routerZLoss: number;
}

export type LayerMetrics = MotLayerMetrics | MoeLayerMetrics;

export interface TrainRecord {
  type: 'train';
  /** Updates completed, 1-based. */
  step: number;
  /** Loss minimised: lmLoss + auxLoss. */
  loss: number;
  /** Next-token cross-entropy, nats per token. */
  lmLoss: number;
  auxLoss: number;
  learningRate: number;
  gradNorm: number;
  tokens: number;
  /**
   * Passes over the training split so far: tokens / training-split tokens. Past 1 the model has
   * seen its data before (a comparison then measures memorisation as much as the architecture).
   * Absent in records written before it was kept.
   */
  epochs?: number;
  /** Cumulative training FLOPs (3x forward, mixing included). */
  flops: number;
  stepMs: number;
  tokensPerSecond: number;
  /** Training time so far, pauses excluded. */
  elapsedMs: number;
  layers: LayerMetrics[];
}

export interface EvalRecord {
  type: 'eval';
  step: number;
  tokens: number;
  flops: number;
  elapsedMs: number;
  validationLoss: number;
  /** Standard error of validationLoss over its batches (absent with one batch, or in old records). */
  validationStdError?: number;
  /** Validation tokens scored. */
  evalTokens: number;
  /** Passes over the training split at this step (see TrainRecord). */
  epochs?: number;
}

export type MetricRecord = TrainRecord | EvalRecord;
