/** Text generation: MoT decodes full groups with named companions; sampling is seeded and exact. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, sampleToken } from '../../src/core/generate';
import { Gpt } from '../../src/core/model/gpt';
import { Rng } from '../../src/core/rng';
import { ByteTokenizer } from '../../src/core/tokenizer';
import { tinyConfig, tinyData } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tokenizer = new ByteTokenizer();
const models: Gpt[] = [];
afterAll(() => models.forEach((m) => m.dispose()));

function tinyModel(ffn: 'dense' | 'mot' | 'moe'): Gpt {
  const model = new Gpt(tinyConfig(ffn).model, tokenizer.vocabSize, 3);
  models.push(model);
  return model;
}

/** The argmax of the last position's logits for row 0 of `rows` [B][T]. */
function greedyNext(model: Gpt, rows: number[][]): number {
  return tf.tidy(() => {
    const ids = tf.tensor2d(rows, [rows.length, rows[0].length], 'int32');
    const T = rows[0].length;
    const logits = model.forward(ids, { inference: true }).logits;
    return logits
      .slice([T - 1, 0], [1, -1])
      .argMax(1)
      .dataSync()[0];
  });
}

describe('generate', () => {
  const companionSource = tinyData().validation;

  it('MoT decodes one prompt in a full group, filled with named companions', () => {
    const model = tinyModel('mot'); // g = 4
    const prompt = 'the c';
    const result = generate(model, tokenizer, {
      prompts: [prompt],
      maxTokens: 3,
      temperature: 0,
      topK: 0,
      seed: 1,
      companionSource,
    });
    expect(result.groupSize).toBe(4);
    expect(result.discrete).toBe(false);
    expect(result.companions).toHaveLength(3);
    expect(result.groupFill).toMatch(/groups of 4/);
    expect(result.groupFill).toMatch(/1 prompt\(s\) \+ 3 companion sequence\(s\)/);
    expect(result.groupFill).toMatch(/soft MoT/);
    const [output] = result.outputs;
    expect(output.tokens).toHaveLength(3);
    for (const token of output.tokens) expect(token.mix).toHaveLength(2); // one per MoT block

    // The first token is the greedy choice of the model run on the whole group at once, and its
    // mix is the prompt row's weight in each expert's mix at the last prompt position.
    const L = tokenizer.encode(prompt).length;
    const group = [
      tokenizer.encode(prompt),
      ...result.companions.map((c) => Array.from(companionSource.subarray(c.offset, c.offset + L))),
    ];
    expect(output.tokens[0].id).toBe(greedyNext(model, group));
    const expectedMix = tf.tidy(() =>
      model
        .forward(tf.tensor2d(group, [4, L], 'int32'), { capture: true, inference: true })
        .layers.map((l) => (l.mixWeights!.arraySync() as number[][][][])[0][L - 1][0]),
    );
    output.tokens[0].mix.forEach((weights, block) =>
      weights.forEach((w, e) => expect(w).toBeCloseTo(expectedMix[block][e], 6)),
    );
    // Alone, the prompt is not a valid MoT batch at all.
    expect(() => greedyNext(model, [group[0]])).toThrow(/multiple of the group size/);
  });

  it('MoT fills groups with prompts first and companions only for the remainder', () => {
    const model = tinyModel('mot');
    const options = { maxTokens: 2, temperature: 0, topK: 0, seed: 1, companionSource };
    const four = generate(model, tokenizer, { ...options, prompts: ['a', 'b', 'c', 'd'] });
    expect(four.companions).toEqual([]);
    expect(four.groupFill).toMatch(/4 prompt\(s\) filled the groups/);
    const five = generate(model, tokenizer, { ...options, prompts: ['a', 'b', 'c', 'd', 'e'] });
    expect(five.companions).toHaveLength(3);
    expect(five.outputs).toHaveLength(5);
    const discrete = generate(model, tokenizer, { ...options, prompts: ['a'], discrete: true });
    expect(discrete.discrete).toBe(true);
    expect(discrete.groupFill).toMatch(/discrete MoT/);
  });

  it('MoT without companion text refuses to decode a partial group', () => {
    expect(() =>
      generate(tinyModel('mot'), tokenizer, {
        prompts: ['x'],
        maxTokens: 2,
        temperature: 0,
        topK: 0,
        seed: 1,
      }),
    ).toThrow(/needs 3 companion sequences/);
  });

  it('the same seed gives the same text; another seed gives other text', () => {
    const model = tinyModel('mot');
    const run = (seed: number) =>
      generate(model, tokenizer, {
        prompts: ['the ', 'a '],
        maxTokens: 6,
        temperature: 1,
        topK: 0,
        seed,
        companionSource,
      }).outputs.map((o) => o.tokens.map((t) => t.id));
    expect(run(7)).toEqual(run(7));
    expect(run(8)).not.toEqual(run(7));
  });

  it('temperature 0 is greedy: independent of the seed, and the argmax at every step', () => {
    const model = tinyModel('dense');
    const run = (seed: number) =>
      generate(model, tokenizer, {
        prompts: ['my h'],
        maxTokens: 6, // 4 + 6 > context 8: the window slides
        temperature: 0,
        topK: 5,
        seed,
      });
    const ids = run(1).outputs[0].tokens.map((t) => t.id);
    expect(run(2).outputs[0].tokens.map((t) => t.id)).toEqual(ids);
    const row = tokenizer.encode('my h');
    for (const id of ids) {
      expect(id).toBe(greedyNext(model, [row.slice(-8)]));
      row.push(id);
    }
  });

  it.each(['dense', 'moe'] as const)(
    'a %s model decodes each prompt alone, no companions',
    (ffn) => {
      const result = generate(tinyModel(ffn), tokenizer, {
        prompts: ['the', 'a'],
        maxTokens: 3,
        temperature: 0.8,
        topK: 10,
        seed: 1,
      });
      expect(result.groupSize).toBe(1);
      expect(result.companions).toEqual([]);
      expect(result.groupFill).toMatch(/no MoT layers/);
      for (const output of result.outputs) {
        expect(output.tokens).toHaveLength(3);
        for (const token of output.tokens) expect(token.mix).toEqual([]);
      }
    },
  );
});

describe('sampleToken', () => {
  const rng = new Rng(2);
  const logits = Array.from({ length: 20 }, () => rng.normal());
  const ranked = logits.map((l, id) => ({ l, id })).sort((a, b) => b.l - a.l);
  const top3 = new Set(ranked.slice(0, 3).map((c) => c.id));

  it('with top-k never picks outside the k most likely tokens, and reaches each of them', () => {
    const draws = new Rng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const id = sampleToken(logits, 5, 3, draws); // a high temperature flattens the distribution
      expect(top3.has(id)).toBe(true);
      seen.add(id);
    }
    expect(seen).toEqual(top3);
  });

  it('without top-k reaches tokens outside the top 3 at a high temperature', () => {
    const draws = new Rng(9);
    const picks = Array.from({ length: 500 }, () => sampleToken(logits, 5, 0, draws));
    expect(picks.some((id) => !top3.has(id))).toBe(true);
  });

  it('draws each token with probability softmax(logits / temperature)', () => {
    const few = [1.2, 0.3, -0.5, 0.8, -1.5];
    for (const temperature of [0.5, 2]) {
      const draws = new Rng(4);
      const n = 20_000;
      const counts = new Array<number>(few.length).fill(0);
      for (let i = 0; i < n; i++) counts[sampleToken(few, temperature, 0, draws)]++;
      const weights = few.map((l) => Math.exp(l / temperature));
      const total = weights.reduce((a, b) => a + b, 0);
      // Pearson's chi-square with 4 degrees of freedom: above 18.5 has probability 0.001.
      const chiSquare = counts.reduce((s, c, i) => {
        const expected = (n * weights[i]) / total;
        return s + (c - expected) ** 2 / expected;
      }, 0);
      expect(chiSquare).toBeLessThan(18.5);
    }
  });

  it('temperature 0 returns the argmax whatever the RNG', () => {
    for (let seed = 0; seed < 5; seed++)
      expect(sampleToken(logits, 0, 3, new Rng(seed))).toBe(ranked[0].id);
  });
});
