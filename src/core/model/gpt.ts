/**
 * The GPT-style decoder around the FFN layers (shared/MOT.md, "The model around the layer"):
 * token + learned position embeddings, N pre-LayerNorm blocks
 *   h = h + Attn(LN(h));  h = h + FFN(LN(h))
 * a final LayerNorm and an untied output head. Only the FFN differs between dense, MoT and MoE.
 */
import * as tf from '@tensorflow/tfjs';
import {
  blockKinds,
  moeExpertWidth,
  motExpertWidth,
  type FfnKind,
  type ModelConfig,
} from '../config';
import { Rng } from '../rng';
import { CausalSelfAttention } from './attention';
import { DenseFfn } from './dense-ffn';
import type { FfnLayer, FfnOptions, FfnOutput } from './ffn';
import { LayerNorm } from './layer-norm';
import { MoeFfn } from './moe';
import { MotFfn } from './mot';
import { customOp, gatherRows, linear } from './ops';
import { Params } from './params';

interface Block {
  norm1: LayerNorm;
  attention: CausalSelfAttention;
  norm2: LayerNorm;
  ffn: FfnLayer;
}

/** What one forward pass learned about each block's FFN. */
export interface LayerReport extends Omit<FfnOutput, 'y' | 'auxLoss'> {
  block: number;
  kind: FfnKind;
}

export interface ForwardResult {
  /** [B*T, V] */
  logits: tf.Tensor2D;
  /** Sum of the MoE auxiliary losses (0 without MoE). */
  auxLoss: tf.Scalar;
  layers: LayerReport[];
}

export class Gpt {
  readonly params: Params;
  readonly blocks: Block[];
  private readonly tokenEmbedding: tf.Variable; // [V, d]
  private readonly positionEmbedding: tf.Variable; // [contextLength, d]
  private readonly finalNorm: LayerNorm;
  private readonly head: tf.Variable; // [d, V]

  constructor(
    readonly config: ModelConfig,
    readonly vocabSize: number,
    seed: number,
  ) {
    const d = config.dModel;
    this.params = new Params(new Rng(seed), config.initTruncation);
    const p = this.params;
    const embedInit = { kind: 'truncated-normal', scale: 1, fanIn: 1 / 0.02 ** 2 } as const; // std 0.02
    this.tokenEmbedding = p.create('embed.tokens', [vocabSize, d], embedInit);
    this.positionEmbedding = p.create('embed.positions', [config.contextLength, d], embedInit);
    this.blocks = blockKinds(config).map((kind, i) => ({
      norm1: new LayerNorm(p, `blocks.${i}.norm1`, d),
      attention: new CausalSelfAttention(
        p,
        `blocks.${i}.attention`,
        d,
        config.heads,
        config.initScale,
      ),
      norm2: new LayerNorm(p, `blocks.${i}.norm2`, d),
      ffn: createFfn(p, `blocks.${i}.ffn`, kind, config),
    }));
    this.finalNorm = new LayerNorm(p, 'final_norm', d);
    this.head = p.create('head', [d, vocabSize], {
      kind: 'truncated-normal',
      scale: config.initScale,
      fanIn: d,
    });
  }

  /** ids [B, T] int32 (T <= contextLength) -> logits [B*T, V]. */
  forward(ids: tf.Tensor2D, options: FfnOptions = {}): ForwardResult {
    const [B, T] = ids.shape;
    if (T > this.config.contextLength)
      throw new Error(
        `sequence length ${T} exceeds the context length ${this.config.contextLength}`,
      );
    const d = this.config.dModel;
    const tokens = gatherRows(
      this.tokenEmbedding as tf.Tensor2D,
      ids.reshape([B * T]) as tf.Tensor1D,
    );
    const positions = this.positionEmbedding.slice([0, 0], [T, d]);
    let h = tokens.reshape([B, T, d]).add(positions) as tf.Tensor3D;
    let auxLoss = tf.scalar(0);
    const layers: LayerReport[] = [];
    this.blocks.forEach((block, i) => {
      h = h.add(block.attention.apply(block.norm1.apply(h) as tf.Tensor3D));
      const {
        y,
        auxLoss: aux,
        ...report
      } = block.ffn.apply(block.norm2.apply(h) as tf.Tensor3D, options);
      h = h.add(y);
      if (aux) auxLoss = auxLoss.add(aux);
      layers.push({ block: i, kind: block.ffn.kind, ...report });
    });
    const normed = this.finalNorm.apply(h).reshape([B * T, d]) as tf.Tensor2D;
    return { logits: linear(normed, this.head as tf.Tensor2D), auxLoss, layers };
  }

  /**
   * windows [B, T+1]: inputs are columns 0..T-1, targets 1..T. Returns the mean next-token
   * cross-entropy in nats (`lmLoss`) and the loss to minimise (`total` = lmLoss + auxLoss).
   */
  loss(
    windows: tf.Tensor2D,
    options: FfnOptions = {},
  ): ForwardResult & { lmLoss: tf.Scalar; total: tf.Scalar } {
    const [B, T1] = windows.shape;
    const T = T1 - 1;
    const inputs = windows.slice([0, 0], [B, T]) as tf.Tensor2D;
    const targets = windows.slice([0, 1], [B, T]).reshape([B * T]) as tf.Tensor1D;
    const result = this.forward(inputs, options);
    const lmLoss = crossEntropy(result.logits, targets);
    return { ...result, lmLoss, total: lmLoss.add(result.auxLoss) as tf.Scalar };
  }

  dispose(): void {
    this.params.dispose();
  }
}

/**
 * Mean over rows of logsumexp(logits) - logits[target], in nats. logsumexp comes from the softmax
 * kernel (fast on every backend) as max(logits) - log(max p): the largest probability is at least
 * 1/V, so its log never underflows. The gradient, (softmax - onehot(target)) / N, is written out:
 * the stock one goes through max's gradient, whose Equal is slow on wasm.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const [N, V] = logits.shape;
  const op = customOp(([z], save) => {
    const probs = tf.softmax(z); // [N, V]
    const cells = tf.stack([tf.range(0, N, 1, 'int32'), targets.toInt()], 1); // [N, 2]: (row, target)
    save([probs, cells]); // only saved tensors outlive the forward pass's scope
    const logSumExp = z.max(1).sub(probs.max(1).log()); // [N]
    return {
      value: logSumExp.sub(tf.gatherND(z, cells)).mean() as tf.Scalar,
      // The one-hot by scatter: wasm's OneHot ignores a float32 dtype and writes integer bits.
      gradFunc: (dy, [savedProbs, savedCells]) =>
        savedProbs.sub(tf.scatterND(savedCells, tf.ones([N]), [N, V])).mul(dy.div(N)),
    };
  }) as (z: tf.Tensor2D) => tf.Scalar;
  return op(logits);
}

function createFfn(p: Params, name: string, kind: FfnKind, m: ModelConfig): FfnLayer {
  if (kind === 'mot') return new MotFfn(p, name, m.dModel, motExpertWidth(m), m.mot);
  if (kind === 'moe') return new MoeFfn(p, name, m.dModel, moeExpertWidth(m), m.moe);
  return new DenseFfn(p, name, m.dModel, m.dFF, m.initScale);
}
