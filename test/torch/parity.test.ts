/**
 * The two engines train the same function: one config and seed trained 30 steps on tfjs-wasm and
 * on torch (CPU, the real /usr/bin/python3 or whichever Python has torch) give the same per-step
 * losses (within 2e-3), and one checkpoint gives the same validation loss in both (within 1e-4),
 * for dense, MoT, token-choice MoE and expert-choice MoE. Same initial weights (the workbench writes
 * them) and the same batches (the sampler's RNG reproduced in Python). Expert choice also needs the
 * same tie-breaking: sequences that begin with the same bytes have equal router probabilities at
 * those positions (at step 2 of this run already), and both engines give such ties to the lower row.
 */
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PartialRunConfig } from '../../src/core/config';
import { validationLoss, validationWindows } from '../../src/core/train/validation';
import { loadCheckpoint, loadRunData, modelFromCheckpoint } from '../../src/services/run-data';
import { prepareTorchRun } from '../../src/services/engines/torch-prepare';
import {
  createRun,
  evalRecords,
  maxDifference,
  openStore,
  pythonEvaluate,
  skipReason,
  smallConfig,
  train,
  trainLosses,
} from './helpers';

describe.skipIf(skipReason !== '')('torch and tfjs-wasm train the same model', () => {
  const architectures: [string, PartialRunConfig['model']][] = [
    ['dense', { ffn: 'dense' }],
    ['mot', { ffn: 'mot' }],
    ['moe', { ffn: 'moe' }], // token choice, top-1, with drops
    ['expert-choice moe', { ffn: 'moe', moe: { router: 'expert-choice' } }],
  ];
  for (const [label, architecture] of architectures) {
    it(`${label}: per-step train losses within 2e-3, checkpoints evaluate alike in both engines`, async () => {
      const store = await openStore();
      const wasm = await createRun(store, smallConfig({ model: architecture, backend: 'wasm' }));
      const torch = await createRun(store, smallConfig({ model: architecture, backend: 'torch' }));
      await train(store, wasm);
      await train(store, torch);

      const wasmLosses = trainLosses(store, wasm);
      const torchLosses = trainLosses(store, torch);
      expect(torchLosses).toHaveLength(30);
      expect(maxDifference(wasmLosses, torchLosses)).toBeLessThan(2e-3);
      expect(torchLosses[29]).toBeLessThan(torchLosses[0] - 0.5); // it learned

      // The torch checkpoint, evaluated by the tfjs engine, against torch's own eval record.
      const loaded = loadCheckpoint(store, torch);
      expect(loaded.meta.backend).toBe('torch');
      const config = loaded.meta.config;
      const data = loadRunData(config, { tokenizer: loaded.tokenizer });
      const model = modelFromCheckpoint(loaded);
      const inTfjs = validationLoss(
        model,
        validationWindows(config, data.validation),
        config.model.contextLength,
        config.train.batchSize,
      );
      model.dispose();
      const torchEval = evalRecords(store, torch).at(-1)!;
      expect(torchEval.step).toBe(30);
      expect(Math.abs(inTfjs.loss - torchEval.validationLoss)).toBeLessThan(1e-4);
      // Both engines give the standard error over the same batches.
      expect(inTfjs.stdError).not.toBeNull();
      expect(Math.abs(inTfjs.stdError! - torchEval.validationStdError!)).toBeLessThan(1e-4);

      // The tfjs checkpoint, evaluated by the torch engine, against tfjs's own eval record.
      const wasmDir = store.runDir(wasm);
      const wasmCheckpoint = loadCheckpoint(store, wasm);
      await prepareTorchRun(wasmDir, wasmCheckpoint.meta.config, {
        tokenizerJson: wasmCheckpoint.meta.tokenizer,
        initialWeights: false,
      });
      const inTorch = await pythonEvaluate(wasmDir);
      expect(inTorch.step).toBe(30);
      expect(
        Math.abs(inTorch.validationLoss - evalRecords(store, wasm).at(-1)!.validationLoss),
      ).toBeLessThan(1e-4);
    });
  }

  it('a tfjs run resumes on torch from its checkpoint and continues the same stream', async () => {
    const store = await openStore();
    const wasm = await createRun(store, smallConfig({ model: { ffn: 'mot' }, backend: 'wasm' }));
    await train(store, wasm);
    const reference = trainLosses(store, wasm);

    // Same folder, now on torch, from the step-15 checkpoint: steps 16..30 are trained again.
    const dir = store.runDir(wasm);
    rmSync(path.join(dir, 'checkpoints', 'step-00000030'), { recursive: true });
    const config = smallConfig({ model: { ffn: 'mot' }, backend: 'torch' });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    await store.update(wasm, { status: 'stopped' });
    await train(store, wasm, true);

    const resumed = trainLosses(store, wasm);
    expect(resumed).toHaveLength(30);
    expect(loadCheckpoint(store, wasm).meta.backend).toBe('torch');
    expect(maxDifference(resumed.slice(15), reference.slice(15))).toBeLessThan(2e-3);
    expect(resumed.slice(0, 15)).toEqual(reference.slice(0, 15));
  });
});
