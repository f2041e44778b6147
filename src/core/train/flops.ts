/**
 * FLOPs per token (multiply-add = 2 FLOPs), with the MoT mixing cost apart. Training costs
 * 3x forward (forward + two backward products). Attention scores count the full T x T square,
 * as the kernels compute it.
 */
import { blockKinds, moeExpertWidth, motExpertWidth, type ModelConfig } from '../config';

export interface FlopBreakdown {
  attention: number;
  ffn: number;
  /** MoT controller, merge and emit: 3*d*E multiply-adds per token per MoT layer. */
  mixing: number;
  router: number;
  head: number;
  forward: number;
  train: number;
}

export function flopsPerToken(m: ModelConfig, vocabSize: number): FlopBreakdown {
  const d = m.dModel;
  const T = m.contextLength;
  let ffn = 0;
  let mixing = 0;
  let router = 0;
  const attention = m.layers * (2 * 4 * d * d + 2 * 2 * T * d);
  for (const kind of blockKinds(m)) {
    if (kind === 'dense') ffn += 2 * 2 * d * m.dFF;
    if (kind === 'mot') {
      // Each expert processes one mix per group of g tokens.
      ffn += (m.mot.experts * 2 * 2 * d * motExpertWidth(m)) / m.mot.groupSize;
      mixing += 2 * 3 * d * m.mot.experts;
    }
    if (kind === 'moe') {
      // Token choice: topK experts per token. Expert choice: E*c expert slots for N tokens,
      // c = floor(capacityFactor * N / E), so about capacityFactor experts per token.
      const expertsPerToken = m.moe.router === 'expert-choice' ? m.moe.capacityFactor : m.moe.topK;
      ffn += expertsPerToken * 2 * 2 * d * moeExpertWidth(m);
      router += 2 * d * m.moe.experts;
    }
  }
  const head = 2 * d * vocabSize;
  const forward = attention + ffn + mixing + router + head;
  return { attention, ffn, mixing, router, head, forward, train: 3 * forward };
}
