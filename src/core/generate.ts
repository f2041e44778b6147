/**
 * Text generation from a trained model.
 *
 * A MoT layer's output depends on the other sequences of its group, so decoding one prompt alone
 * (g = 1) would run a function the model never trained. Here a MoT model always decodes a full
 * group: the prompts, then companion sequences (held-out validation text, fed token by token at
 * the same positions) to fill the remaining rows. The result says exactly how the group was filled.
 * Dense and MoE models decode the prompts alone (MoE without a capacity limit).
 */
import * as tf from '@tensorflow/tfjs';
import type { Gpt } from './model/gpt';
import { withTensorScope } from './model/ops';
import { Rng } from './rng';
import type { Tokenizer } from './tokenizer';

export interface GenerateOptions {
  prompts: string[];
  maxTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /** Sample among the k most likely tokens; 0 = all. */
  topK: number;
  seed: number;
  /** MoT: each expert takes only its top token (the tau -> 0 limit) instead of the softmax mix. */
  discrete?: boolean;
  /** Token stream to draw MoT companions from (the validation split). */
  companionSource?: Int32Array;
}

export interface GeneratedToken {
  id: number;
  text: string;
  /** Per MoT layer (in block order), this token's weight in each expert's mix at its position. */
  mix: number[][];
}

export interface GenerationResult {
  /** How each group was filled, in words, for the UI and CLI to show. */
  groupFill: string;
  groupSize: number;
  discrete: boolean;
  outputs: { prompt: string; text: string; tokens: GeneratedToken[] }[];
  companions: { offset: number; preview: string }[];
}

export function generate(
  model: Gpt,
  tokenizer: Tokenizer,
  options: GenerateOptions,
): GenerationResult {
  const { prompts, maxTokens, temperature, topK } = options;
  if (prompts.length === 0) throw new Error('give at least one prompt');
  const motBlocks = model.blocks.filter((b) => b.ffn.kind === 'mot').length;
  const g = motBlocks > 0 ? model.config.mot.groupSize : 1;
  const rowCount = Math.ceil(prompts.length / g) * g;
  const promptIds = prompts.map((p) => {
    const ids = tokenizer.encode(p);
    return ids.length > 0 ? ids : [tokenizer.endOfText]; // an empty prompt starts a new document
  });
  const longest = Math.max(...promptIds.map((ids) => ids.length));
  const totalLength = longest + maxTokens;

  const companions = pickCompanions(
    rowCount - prompts.length,
    totalLength,
    options.companionSource,
  );
  const rows: number[][] = [
    ...promptIds.map((ids) => ids.slice(0, 1)),
    ...companions.map((c) => c.tokens.slice(0, 1)),
  ];
  const generated: GeneratedToken[][] = prompts.map(() => []);
  const rng = new Rng(options.seed);
  const context = model.config.contextLength;

  for (let t = 1; t < totalLength; t++) {
    const start = Math.max(0, t - context); // slide the window once the context is full
    const { logits, mix } = withTensorScope(() => {
      const ids = tf.tensor2d(
        rows.map((r) => r.slice(start, t)),
        [rowCount, t - start],
        'int32',
      );
      const out = model.forward(ids, {
        capture: true,
        inference: true,
        discrete: options.discrete,
      });
      const width = t - start;
      const last = out.logits
        .reshape([rowCount, width, -1])
        .slice([0, width - 1, 0], [prompts.length, 1, -1]);
      const mixes = out.layers
        .filter((l) => l.mixWeights)
        .map((l) => rowsAtPosition(l.mixWeights!.arraySync(), width - 1, prompts.length, g));
      return { logits: last.reshape([prompts.length, -1]).arraySync() as number[][], mix: mixes };
    });
    for (let r = 0; r < rowCount; r++) {
      if (r >= prompts.length) {
        rows[r].push(companions[r - prompts.length].tokens[t]);
      } else if (t < promptIds[r].length) {
        rows[r].push(promptIds[r][t]);
      } else {
        const id = sampleToken(logits[r], temperature, topK, rng);
        rows[r].push(id);
        if (generated[r].length < maxTokens) {
          generated[r].push({
            id,
            text: tokenizer.decode([id]),
            mix: mix.map((layer) => layer[r]),
          });
        }
      }
    }
  }

  const discrete = Boolean(options.discrete) && motBlocks > 0;
  return {
    groupFill:
      describeFill(g, prompts.length, companions.length, discrete) +
      (expertChoice(model) ? EXPERT_CHOICE_NOTE : ''),
    groupSize: g,
    discrete,
    outputs: prompts.map((prompt, r) => ({
      prompt,
      text: tokenizer.decode(generated[r].map((tok) => tok.id)),
      tokens: generated[r],
    })),
    companions: companions.map((c) => ({
      offset: c.offset,
      preview: tokenizer.decode(c.tokens.slice(0, 48)),
    })),
  };
}

/** weights [K][T][g][E] -> for each of the first `count` batch rows, its [E] weights at position t. */
function rowsAtPosition(weights: number[][][][], t: number, count: number, g: number): number[][] {
  return Array.from({ length: count }, (_, b) => weights[Math.floor(b / g)][t][b % g]);
}

function pickCompanions(count: number, length: number, source: Int32Array | undefined) {
  if (count === 0) return [];
  if (!source || source.length < count * length) {
    throw new Error(
      `a MoT group needs ${count} companion sequences of ${length} tokens, and no validation text of that size was given`,
    );
  }
  // Evenly spaced, non-overlapping stretches of held-out text: deterministic and reproducible.
  const stride = Math.floor(source.length / count);
  return Array.from({ length: count }, (_, i) => ({
    offset: i * stride,
    tokens: Array.from(source.subarray(i * stride, i * stride + length)),
  }));
}

/**
 * Expert choice has no batch-free mode: at inference its experts still choose, at each position,
 * among the sequences of the batch (never among later positions).
 */
const EXPERT_CHOICE_NOTE =
  '; expert-choice MoE: at each position each expert chose among the tokens of this decoding batch at that position, so an output depends on the other prompts (never on later tokens)';

function expertChoice(model: Gpt): boolean {
  return model.config.ffn === 'moe' && model.config.moe.router === 'expert-choice';
}

function describeFill(g: number, prompts: number, companions: number, discrete: boolean): string {
  if (g === 1) return 'no MoT layers: each prompt was decoded on its own';
  const mode = discrete
    ? 'discrete MoT (each expert took its top token)'
    : 'soft MoT mixing as trained';
  const fill =
    companions === 0
      ? `${prompts} prompt(s) filled the groups`
      : `${prompts} prompt(s) + ${companions} companion sequence(s) from the validation split filled the groups`;
  return `decoded in groups of ${g} (the trained group size): ${fill}; ${mode}`;
}

/** Temperature + top-k sampling; temperature 0 takes the most likely token. */
export function sampleToken(logits: number[], temperature: number, topK: number, rng: Rng): number {
  if (temperature <= 0) return logits.indexOf(Math.max(...logits));
  let candidates = logits.map((logit, id) => ({ id, logit: logit / temperature }));
  if (topK > 0 && topK < candidates.length)
    candidates = candidates.sort((a, b) => b.logit - a.logit).slice(0, topK);
  const top = Math.max(...candidates.map((c) => c.logit));
  const weights = candidates.map((c) => Math.exp(c.logit - top));
  let u = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < candidates.length; i++) {
    u -= weights[i];
    if (u <= 0) return candidates[i].id;
  }
  return candidates[candidates.length - 1].id;
}
