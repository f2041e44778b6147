import type * as tf from '@tensorflow/tfjs';
import type { FfnKind } from '../config';

/** How an FFN layer should run this forward pass. */
export interface FfnOptions {
  /** Keep the MoT mixing weights / MoE routing of this pass (probe snapshots, layer-eval, generation). */
  capture?: boolean;
  /** MoT: each expert takes only its top-scoring token of the group (the tau -> 0 limit). */
  discrete?: boolean;
  /**
   * MoT: group the batch in groups of this size instead of the trained one (evaluation only:
   * the weights do not depend on g, the function does). The batch must be a multiple of it.
   */
  groupSize?: number;
  /** MoE: inference runs token choice without a capacity limit, so no token is dropped. */
  inference?: boolean;
}

/**
 * Diagnostics of one layer for one forward pass. Tensors are read back (and disposed) by the
 * caller after the step; numbers were already computed on the CPU.
 */
export type LayerStats = Record<string, tf.Tensor | number | number[]>;

export interface FfnOutput {
  /** [B, T, d] */
  y: tf.Tensor3D;
  /** Auxiliary losses already multiplied by their weights (MoE), to add to the LM loss. */
  auxLoss?: tf.Scalar;
  stats?: LayerStats;
  /** MoT with `capture`: softmax mixing weights [B/g, T, g, E]. */
  mixWeights?: tf.Tensor4D;
  /** MoE with `capture`: 1 where expert e processed token (b, t), as [B][T][E]. */
  taken?: number[][][];
}

export interface FfnLayer {
  readonly kind: FfnKind;
  /** x [B, T, d] (after the block's LayerNorm) -> y [B, T, d] */
  apply(x: tf.Tensor3D, options?: FfnOptions): FfnOutput;
}
