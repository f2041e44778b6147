/**
 * The torch engine's layers have the properties MOT.md lists (loop form = batched form,
 * causality, weights summing to 1, the tau -> 0 limit, finite-difference gradients), token-choice
 * capacity is taken in the documented order, and causal expert choice never looks ahead; checked
 * in Python (model_properties.py) on the real torch.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { torchEngineDir } from '../../src/services/engines/torch-launcher';
import { skipReason, torchPython } from './helpers';

describe.skipIf(skipReason !== '')('the torch layers', () => {
  it('have the properties of MOT.md', async () => {
    const script = path.join(import.meta.dirname, 'model_properties.py');
    const { stdout } = await promisify(execFile)(torchPython!.command, [script, torchEngineDir()]);
    const { checked } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { checked: string[] };
    expect(checked).toHaveLength(8);
  });
});
