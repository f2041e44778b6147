/** The arithmetic parameter list must be exactly what the model allocates, for every FFN kind. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type PartialRunConfig } from '../../src/core/config';
import { Gpt } from '../../src/core/model/gpt';
import { BASE_CONFIG } from '../../src/core/presets';
import { estimate, parameterShapes } from '../../src/services/api';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cases: [string, PartialRunConfig][] = [
  ['dense', { model: { ffn: 'dense' } }],
  ['mot, FLOP-matched', { model: { ffn: 'mot' } }],
  [
    'mot, explicit width, second half',
    { model: { ffn: 'mot', placement: 'second-half', mot: { expertWidth: 24 } } },
  ],
  ['moe top-2', { model: { ffn: 'moe', moe: { topK: 2 } } }],
  [
    'moe expert choice, listed blocks',
    { model: { ffn: 'moe', placement: [1], moe: { router: 'expert-choice' } } },
  ],
];

describe('parameterShapes', () => {
  it.each(cases)('%s: same names and shapes as Gpt', (_, overrides) => {
    const small: PartialRunConfig = {
      model: {
        dModel: 16,
        layers: 2,
        heads: 2,
        contextLength: 8,
        dFF: 32,
        mot: { groupSize: 4, experts: 4 },
        moe: { experts: 4 },
      },
    };
    const config = resolveConfig(resolveConfig(BASE_CONFIG, small), overrides);
    const vocabSize = 257;
    const model = new Gpt(config.model, vocabSize, 1);
    try {
      const actual = [...model.params.variables].map(([name, v]) => [name, v.shape]);
      const computed = parameterShapes(config.model, vocabSize).map((p) => [p.name, p.shape]);
      expect(computed.sort()).toEqual(actual.sort());
      expect(estimate(undefined, config as unknown as Record<string, unknown>).paramsTotal).toBe(
        model.params.count(),
      );
    } finally {
      model.dispose();
    }
  });

  it('counts active parameters: top-k of E experts for MoE, all of them for MoT', () => {
    const moe = estimate('tiny-moe');
    const mot = estimate('tiny-mot');
    const dense = estimate('tiny-dense');
    expect(mot.paramsActive).toBe(mot.paramsTotal);
    // 8 experts of width dFF/topK = 512 each, two blocks: 7 of 8 are idle for each token.
    const expertParams = 2 * 8 * 2 * 128 * 512;
    expect(moe.paramsTotal! - moe.paramsActive!).toBe((expertParams * 7) / 8);
    // Matched active compute: a top-1 MoE token uses about what a dense token does (plus its router).
    expect(moe.paramsActive! - dense.paramsTotal!).toBe(2 * 128 * 8);
  });
});
