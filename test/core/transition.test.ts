/** Transition tuning (transition.ts): MoT weights become a top-1 MoE bit for bit, and it decodes alone. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/core/generate';
import type { MoeFfn } from '../../src/core/model/moe';
import type { MotFfn } from '../../src/core/model/mot';
import { learningRateAt } from '../../src/core/train/schedule';
import { Trainer } from '../../src/core/train/trainer';
import { transitionToMoe } from '../../src/core/transition';
import { tinyConfig, tinyData } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A MoT trained for a few steps, its checkpoint, and the MoE made from it. */
function transitioned(placement: 'all' | 'second-half' = 'all') {
  const data = tinyData();
  const config = tinyConfig('mot', { model: { placement }, train: { steps: 6 } });
  const mot = new Trainer(config, data);
  for (let i = 0; i < 6; i++) mot.trainStep();
  const checkpoint = mot.checkpoint();
  const result = transitionToMoe(config, checkpoint.tensors, { fromStep: 6, extraSteps: 3 });
  const moe = new Trainer(result.config, data, {
    state: checkpoint.state,
    tensors: result.tensors,
  });
  return { data, config, mot, moe, result, checkpoint };
}

describe('transitionToMoe', () => {
  it('makes a top-1 token-choice MoE with the paper defaults and the parent optimizer settings', () => {
    const { config, mot, moe, result } = transitioned();
    const m = result.config.model;
    expect(m.ffn).toBe('moe');
    expect(m.placement).toBe(config.model.placement);
    expect(m.moe).toMatchObject({
      router: 'token-choice',
      experts: config.model.mot.experts,
      expertWidth: 32, // the FLOP-matched MoT width g*dFF/E = 4*32/4, kept exactly
      topK: 1,
      capacityFactor: 1.25,
      loadBalanceWeight: 0.01,
    });
    expect(result.config.train).toEqual({ ...config.train, steps: 9 });
    expect(result.renamed).toEqual([
      ['blocks.0.ffn.C', 'blocks.0.ffn.router'],
      ['blocks.1.ffn.C', 'blocks.1.ffn.router'],
    ]);
    const custom = transitionToMoe(config, mot.checkpoint().tensors, {
      fromStep: 6,
      extraSteps: 1,
      capacityFactor: 2,
      loadBalanceWeight: 0,
    });
    expect(custom.config.model.moe).toMatchObject({ capacityFactor: 2, loadBalanceWeight: 0 });
    mot.dispose();
    moe.dispose();
  });

  it('the MoE layer holds the MoT layer’s parameters and AdamW moments bit for bit', () => {
    const { mot, moe, checkpoint } = transitioned();
    expect(moe.step).toBe(6);
    for (let i = 0; i < 2; i++) {
      const before = mot.model.blocks[i].ffn as MotFfn;
      const after = moe.model.blocks[i].ffn as MoeFfn;
      expect(after.kind).toBe('moe');
      expect(after.router.dataSync()).toEqual(before.controller.dataSync());
      before.w1.forEach((w, e) => expect(after.w1[e].dataSync()).toEqual(w.dataSync()));
      before.w2.forEach((w, e) => expect(after.w2[e].dataSync()).toEqual(w.dataSync()));
      const m = moe.optimizer.firstMoments.get(`blocks.${i}.ffn.router`)!;
      const saved = checkpoint.tensors.find((t) => t.name === `adam.m/blocks.${i}.ffn.C`)!;
      expect(m.dataSync()).toEqual(saved.data);
    }
    // Everything else too: the attention of block 0, say.
    for (const [name, v] of mot.model.params.variables) {
      if (name.includes('.ffn.')) continue;
      expect(moe.model.params.get(name).dataSync()).toEqual(v.dataSync());
    }
    mot.dispose();
    moe.dispose();
  });

  it('after the transition a prompt decoded alone gives the tokens it gives inside a batch', () => {
    const { mot, moe, data } = transitioned();
    const options = { maxTokens: 8, temperature: 0, topK: 0, seed: 1 };
    const alone = generate(moe.model, data.tokenizer, { ...options, prompts: ['the c'] });
    const inBatch = generate(moe.model, data.tokenizer, {
      ...options,
      prompts: ['a dog ran', 'the c', 'my bird looked at', 'x'],
    });
    expect(alone.groupSize).toBe(1);
    expect(alone.outputs[0].tokens.map((t) => t.id)).toEqual(
      inBatch.outputs[1].tokens.map((t) => t.id),
    );
    mot.dispose();
    moe.dispose();
  });

  it('only MoT blocks change with placement second-half, and training continues where it was', () => {
    const { data, mot, moe, result } = transitioned('second-half');
    expect(result.renamed).toEqual([['blocks.1.ffn.C', 'blocks.1.ffn.router']]);
    expect(moe.model.blocks.map((b) => b.ffn.kind)).toEqual(['dense', 'moe']);
    const records = [moe.trainStep(), moe.trainStep(), moe.trainStep()];
    expect(records.map((r) => r.step)).toEqual([7, 8, 9]);
    // The schedule goes on from step 6 of the 9-step run, not from a fresh warm-up.
    expect(records.map((r) => r.learningRate)).toEqual(
      [6, 7, 8].map((step) => learningRateAt(step, result.config.train)),
    );
    expect(records[0].layers[0]).toMatchObject({ kind: 'moe', block: 1 });
    // The learned weights carry over: the MoE's loss is the MoT's (the parent continues on the
    // same batches), far below the same MoE started from scratch.
    const parent = [mot.trainStep(), mot.trainStep(), mot.trainStep()];
    const fresh = new Trainer(result.config, data);
    const scratch = fresh.trainStep().lmLoss;
    expect(Math.abs(records[0].lmLoss - parent[0].lmLoss)).toBeLessThan(0.25); // ~4.55 both
    expect(records[0].lmLoss).toBeLessThan(scratch - 1); // ~6.2 from scratch
    fresh.dispose();
    mot.dispose();
    moe.dispose();
  });

  it('refuses a run that is not MoT and leaves its input untouched', () => {
    const dense = tinyConfig('dense');
    expect(() => transitionToMoe(dense, [], { fromStep: 1, extraSteps: 1 })).toThrow(
      /starts from a MoT run/,
    );
    const tensors = [{ name: 'param/blocks.0.ffn.C', shape: [1], data: Float32Array.of(1) }];
    const out = transitionToMoe(tinyConfig('mot', { model: { placement: [0] } }), tensors, {
      fromStep: 1,
      extraSteps: 1,
    });
    expect(tensors[0].name).toBe('param/blocks.0.ffn.C');
    expect(out.tensors[0].data).not.toBe(tensors[0].data);
  });
});
