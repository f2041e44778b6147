/**
 * estimateConfig: what a config would cost before anything is allocated. Problems come back
 * as `issues` (by config field), not as an error, so a form can show them as the user types.
 * Counts are arithmetic on the config (see parameter-shapes); no model is built.
 */
import type { ConfigEstimate } from '../../core/api/contract';
import {
  blockKinds,
  ConfigError,
  moeExpertWidth,
  motExpertWidth,
  resolveConfig,
  type RunConfig,
} from '../../core/config';
import { BASE_CONFIG, PRESETS } from '../../core/presets';
import { ByteTokenizer } from '../../core/tokenizer';
import { flopsPerToken } from '../../core/train/flops';
import type { Handler } from './context';
import { elementCount, parameterShapes, type ParameterShape } from './parameter-shapes';

const BYTES_PER_FLOAT = 4;

export const estimateConfig: Handler<'estimateConfig'> = async (_context, { preset, config }) =>
  estimate(preset, config);

export function estimate(preset?: string, partial?: Record<string, unknown>): ConfigEstimate {
  let base = BASE_CONFIG;
  if (preset !== undefined) {
    const found = PRESETS.find((p) => p.name === preset);
    if (found === undefined) {
      const names = PRESETS.map((p) => p.name).join(', ');
      return {
        issues: [
          { path: 'preset', message: `unknown preset "${preset}"; choose one of: ${names}` },
        ],
      };
    }
    base = found.config;
  }
  let config: RunConfig;
  try {
    config = resolveConfig(base, partial);
  } catch (error) {
    if (error instanceof ConfigError) return { issues: error.issues };
    throw error;
  }
  const vocabSize = vocabSizeOf(config);
  const shapes = parameterShapes(config.model, vocabSize);
  const paramsTotal = shapes.reduce((sum, p) => sum + elementCount(p.shape), 0);
  return {
    issues: [],
    config,
    paramsTotal,
    paramsActive: activeParameters(config, shapes, paramsTotal),
    flopsPerToken: flopsPerToken(config.model, vocabSize),
    memoryBytes: memoryBytes(config, paramsTotal, vocabSize),
    vocabSize,
  };
}

/** What training `config` takes: the memory guard's measure (see services/memory-guard). */
export function estimatedMemoryBytes(config: RunConfig): number {
  const vocabSize = vocabSizeOf(config);
  const shapes = parameterShapes(config.model, vocabSize);
  const paramsTotal = shapes.reduce((sum, p) => sum + elementCount(p.shape), 0);
  return memoryBytes(config, paramsTotal, vocabSize);
}

/**
 * Weights plus AdamW's two moments, plus one step's activations (split among the workers, so
 * the same in all). Each extra worker thread (train.workers as a number; `auto` is resolved
 * only at launch) holds a replica's weights and gradient and a shared gradient slab, and the
 * shared weights buffer is one more copy.
 */
function memoryBytes(config: RunConfig, paramsTotal: number, vocabSize: number): number {
  const workers = typeof config.train.workers === 'number' ? config.train.workers : 1;
  const replicas = workers > 1 ? 3 * (workers - 1) + 1 : 0;
  return BYTES_PER_FLOAT * (3 + replicas) * paramsTotal + activationBytes(config, vocabSize);
}

/** Bytes: 256 byte values plus end-of-text; a BPE has exactly the size it was asked for. */
export function vocabSizeOf(config: RunConfig): number {
  const tokenizer = config.data.tokenizer;
  return tokenizer.kind === 'bytes' ? new ByteTokenizer().vocabSize : tokenizer.vocabSize;
}

/**
 * A sparse MoE uses some of its experts per token: topK with token choice, on average
 * capacityFactor with expert choice (as in core/train/flops). MoT and dense use every weight.
 */
function activeParameters(config: RunConfig, shapes: ParameterShape[], total: number): number {
  const m = config.model;
  if (m.ffn !== 'moe') return total;
  const expertParams = shapes
    .filter((p) => p.expert)
    .reduce((sum, p) => sum + elementCount(p.shape), 0);
  return (
    total -
    expertParams +
    (expertParams * Math.min(expertsPerToken(config), m.moe.experts)) / m.moe.experts
  );
}

function expertsPerToken(config: RunConfig): number {
  const { moe } = config.model;
  return moe.router === 'expert-choice' ? moe.capacityFactor : moe.topK;
}

/**
 * A rough float count of what one training step keeps for the backward pass: per block the
 * residual stream, norms, q/k/v and attention output (about 10 d per token), the attention
 * scores and their softmax (2 x heads x T x T per sequence), and the FFN's hidden activations;
 * then the logits and their softmax. Right to within a small factor, which is what a "will it
 * fit" estimate needs.
 */
function activationBytes(config: RunConfig, vocabSize: number): number {
  const { model: m, train: t } = config;
  const tokens = t.batchSize * m.contextLength;
  const perBlockAttention =
    tokens * 10 * m.dModel + t.batchSize * 2 * m.heads * m.contextLength ** 2;
  let floats = m.layers * perBlockAttention + 2 * tokens * vocabSize;
  const moeWidth = moeExpertWidth(m);
  const motWidth = motExpertWidth(m);
  for (const block of blockKinds(m)) {
    if (block === 'dense') floats += tokens * 2 * m.dFF;
    if (block === 'mot') {
      const mixes = (tokens / m.mot.groupSize) * m.mot.experts;
      floats += tokens * m.mot.experts * 2 + mixes * (2 * m.dModel + 2 * motWidth);
    }
    if (block === 'moe') {
      const routed =
        tokens * (m.moe.router === 'expert-choice' ? 1 : m.moe.topK) * m.moe.capacityFactor;
      floats += tokens * m.moe.experts * 2 + routed * (2 * m.dModel + 2 * moeWidth);
    }
  }
  return BYTES_PER_FLOAT * Math.round(floats);
}
