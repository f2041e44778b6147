/**
 * A mixing snapshot: what each MoT expert mixed, on a fixed probe batch, at one step. The UI draws
 * it as a g x E heatmap per (layer, group, position) with the tokens as row labels.
 */
import * as tf from '@tensorflow/tfjs';
import type { Gpt } from '../model/gpt';
import { withTensorScope } from '../model/ops';
import type { Tokenizer } from '../tokenizer';

export interface MixCell {
  /** Group index k (batch rows k*g .. k*g+g-1). */
  group: number;
  position: number;
  /** The batch row of each of the g tokens. */
  examples: number[];
  tokenIds: number[];
  tokenTexts: string[];
  /** weights[i][e]: share of token i in expert e's mix (each column sums to 1). */
  weights: number[][];
  /**
   * The text around each token in its example (up to CONTEXT_TOKENS either side), so a row can
   * be read in place. Absent in snapshots written before it was recorded.
   */
  contexts?: { before: string; after: string }[];
}

export interface MixSnapshot {
  step: number;
  /** Tokens per probe example (the model's context length): positions are 0 .. time-1. */
  time?: number;
  layers: (
    | { block: number; kind: 'mot'; groupSize: number; experts: number; cells: MixCell[] }
    | { block: number; kind: 'moe'; experts: number; load: number[] }
  )[];
}

/** Groups and positions recorded per layer: the first four groups at up to 12 evenly spaced positions. */
const SNAPSHOT_GROUPS = 4;
const SNAPSHOT_POSITIONS = 12;
/** Tokens of context kept on each side of a recorded token. */
export const CONTEXT_TOKENS = 8;

export function takeSnapshot(
  model: Gpt,
  probe: Int32Array,
  batch: number,
  time: number,
  tokenizer: Tokenizer,
  step: number,
): MixSnapshot {
  const inputs = Array.from({ length: batch }, (_, b) =>
    probe.subarray(b * (time + 1), b * (time + 1) + time),
  );
  const positions = spacedPositions(time, SNAPSHOT_POSITIONS);
  return withTensorScope(() => {
    const ids = tf.tensor2d(
      Array.from(inputs, (row) => Array.from(row)),
      [batch, time],
      'int32',
    );
    const { layers } = model.forward(ids, { capture: true, inference: true });
    const out: MixSnapshot['layers'] = [];
    for (const layer of layers) {
      if (layer.kind === 'mot' && layer.mixWeights) {
        const [groups, , g, experts] = layer.mixWeights.shape;
        const w = layer.mixWeights.arraySync(); // [K][T][g][E]
        const cells: MixCell[] = [];
        for (let k = 0; k < Math.min(groups, SNAPSHOT_GROUPS); k++) {
          for (const t of positions) {
            const examples = Array.from({ length: g }, (_, i) => k * g + i);
            const tokenIds = examples.map((b) => inputs[b][t]);
            cells.push({
              group: k,
              position: t,
              examples,
              tokenIds,
              tokenTexts: tokenIds.map((id) => tokenizer.decode([id])),
              weights: w[k][t],
              contexts: examples.map((b) => ({
                before: tokenizer.decode(
                  Array.from(inputs[b].subarray(Math.max(0, t - CONTEXT_TOKENS), t)),
                ),
                after: tokenizer.decode(
                  Array.from(inputs[b].subarray(t + 1, t + 1 + CONTEXT_TOKENS)),
                ),
              })),
            });
          }
        }
        out.push({ block: layer.block, kind: 'mot', groupSize: g, experts, cells });
      } else if (layer.kind === 'moe' && layer.stats) {
        out.push({
          block: layer.block,
          kind: 'moe',
          experts: (layer.stats.load as number[]).length,
          load: layer.stats.load as number[],
        });
      }
    }
    return { step, time, layers: out };
  });
}

function spacedPositions(time: number, count: number): number[] {
  const n = Math.min(time, count);
  return Array.from(
    new Set(Array.from({ length: n }, (_, i) => Math.round((i * (time - 1)) / Math.max(1, n - 1)))),
  );
}
