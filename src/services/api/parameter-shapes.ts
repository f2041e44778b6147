/**
 * The model's parameters as names and shapes, computed from the config alone (the same names
 * and shapes `Gpt` creates, checked by a test), so estimating a config allocates no tensors and
 * a fork can tell whether a config change would still fit its parent's weights.
 *
 * There are no biases: attention and FFNs are bias-free; LayerNorm has a gain and a bias.
 */
import {
  blockKinds,
  moeExpertWidth,
  motExpertWidth,
  type FfnKind,
  type ModelConfig,
} from '../../core/config';

export interface ParameterShape {
  name: string;
  shape: number[];
  /** An expert's weight: a token-choice MoE runs only topK of these per token. */
  expert: boolean;
}

export function parameterShapes(m: ModelConfig, vocabSize: number): ParameterShape[] {
  const d = m.dModel;
  const out: ParameterShape[] = [];
  const add = (name: string, shape: number[], expert = false) => out.push({ name, shape, expert });
  add('embed.tokens', [vocabSize, d]);
  add('embed.positions', [m.contextLength, d]);
  blockKinds(m).forEach((kind, i) => {
    const block = `blocks.${i}`;
    add(`${block}.norm1.gain`, [d]);
    add(`${block}.norm1.bias`, [d]);
    add(`${block}.attention.qkv`, [d, 3 * d]);
    add(`${block}.attention.out`, [d, d]);
    add(`${block}.norm2.gain`, [d]);
    add(`${block}.norm2.bias`, [d]);
    addFfn(add, `${block}.ffn`, kind, m);
  });
  add('final_norm.gain', [d]);
  add('final_norm.bias', [d]);
  add('head', [d, vocabSize]);
  return out;
}

function addFfn(
  add: (name: string, shape: number[], expert?: boolean) => void,
  name: string,
  kind: FfnKind,
  m: ModelConfig,
): void {
  const d = m.dModel;
  switch (kind) {
    case 'dense':
      add(`${name}.W1`, [d, m.dFF]);
      add(`${name}.W2`, [m.dFF, d]);
      return;
    case 'mot':
      add(`${name}.C`, [d, m.mot.experts]);
      addExperts(add, name, m.mot.experts, d, motExpertWidth(m));
      return;
    case 'moe':
      add(`${name}.router`, [d, m.moe.experts]);
      addExperts(add, name, m.moe.experts, d, moeExpertWidth(m));
      if (m.moe.router === 'expert-choice') {
        // The LayerNorm over the expert-choice output (moe.ts).
        add(`${name}.out_norm.gain`, [d]);
        add(`${name}.out_norm.bias`, [d]);
      }
      return;
    default: {
      // A new FFN kind must say its parameters here, or estimates and forks would be wrong.
      const unknown: never = kind;
      throw new Error(`parameter shapes of FFN kind ${String(unknown)} are not known`);
    }
  }
}

function addExperts(
  add: (name: string, shape: number[], expert?: boolean) => void,
  name: string,
  experts: number,
  d: number,
  width: number,
): void {
  for (let e = 0; e < experts; e++) {
    add(`${name}.W1.${e}`, [d, width], true);
    add(`${name}.W2.${e}`, [width, d], true);
  }
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}
