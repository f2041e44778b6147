/**
 * Which device the torch engine trains on (resources/torch/device.py): CUDA, else MPS, else CPU,
 * with torch's availability answers replaced, since no MPS or CUDA device is here; checked in
 * Python (device_selection.py) against the engine's own module.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeTorchPython } from '../../src/services/engines/python';
import { torchEngineDir } from '../../src/services/engines/torch-launcher';
import { skipReason, torchPython } from './helpers';

describe.skipIf(skipReason !== '')('the torch device choice', () => {
  it('prefers CUDA, then MPS, then the CPU, and refuses devices that are not there', async () => {
    const script = path.join(import.meta.dirname, 'device_selection.py');
    const { stdout } = await promisify(execFile)(torchPython!.command, [script, torchEngineDir()]);
    const { checked } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { checked: string[] };
    expect(checked).toHaveLength(4);
  });
});

describe('what `mot backends` says about the devices torch sees', () => {
  const found = { command: 'python3', source: 'PATH', python: '3.12.1', torch: '2.5.0' };
  it('names CUDA devices, else MPS, else the CPU', () => {
    expect(describeTorchPython({ ...found, cuda: ['NVIDIA H100'], mps: false })).toMatch(
      /, CUDA: NVIDIA H100$/,
    );
    expect(describeTorchPython({ ...found, cuda: [], mps: true })).toMatch(/, MPS \(Apple GPU\)$/);
    expect(describeTorchPython({ ...found, cuda: [], mps: false })).toMatch(/, no CUDA \(CPU\)$/);
  });
});
