/** Tiny synthetic corpora and configs shared by the engine tests. */
import { resolveConfig, type PartialRunConfig, type RunConfig } from '../../src/core/config';
import { prepareData, type PreparedData } from '../../src/core/data/prepare';
import { BASE_CONFIG } from '../../src/core/presets';
import { Rng } from '../../src/core/rng';

const SUBJECTS = ['the cat', 'a dog', 'my bird', 'the fox', 'one owl'];
const VERBS = ['sat on', 'ran to', 'looked at', 'jumped over'];
const OBJECTS = ['the mat', 'a log', 'the hill', 'my hat', 'a box'];

/** `count` short sentences from a tiny grammar: learnable in a few dozen steps. */
export function syntheticDocuments(count: number, seed = 1): string[] {
  const rng = new Rng(seed);
  const pick = (words: string[]) => words[rng.int(words.length)];
  return Array.from({ length: count }, () => `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}.`);
}

/** d 16, 2 blocks, 2 heads, T 8, dFF 32, B 8, MoT g 4 E 4, MoE E 4 top-1; byte tokens. */
export function tinyConfig(
  ffn: 'dense' | 'mot' | 'moe',
  overrides: PartialRunConfig = {},
): RunConfig {
  const base = resolveConfig(BASE_CONFIG, {
    name: `tiny-${ffn}`,
    backend: 'cpu',
    model: {
      dModel: 16,
      layers: 2,
      heads: 2,
      contextLength: 8,
      dFF: 32,
      ffn,
      mot: { groupSize: 4, experts: 4 },
      moe: { experts: 4 },
    },
    data: { validationFraction: 0.1 },
    train: {
      steps: 40,
      batchSize: 8,
      learningRate: 1e-2,
      warmupSteps: 4,
      evalEvery: 20,
      evalBatches: 2,
      checkpointEvery: 20,
      snapshotEvery: 20,
    },
  });
  return resolveConfig(base, overrides);
}

let cached: PreparedData | null = null;

/** 400 synthetic sentences, byte-tokenized and split (built once per test file). */
export function tinyData(): PreparedData {
  cached ??= prepareData(syntheticDocuments(400), BASE_CONFIG.data, 1);
  return cached;
}
