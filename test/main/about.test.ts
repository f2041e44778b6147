import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendInfo } from '../../src/core/api/contract';
import { aboutDetail, backendInUse, backendLines, welcomeDetail } from '../../src/main/about';
import { sampleStudyRequest } from '../../src/main/first-run';
import { probeBackends } from '../../src/services/backends';
import { Workbench } from '../../src/services/workbench';

const gpuBox: BackendInfo[] = [
  {
    name: 'tensorflow',
    available: true,
    detail: '@tensorflow/tfjs-node-gpu (libtensorflow, CUDA)',
  },
  { name: 'webgpu', available: false, detail: 'the npm package `webgpu` (Dawn) is not installed' },
  { name: 'wasm', available: true, detail: '@tensorflow/tfjs-backend-wasm (SIMD)' },
  { name: 'cpu', available: true, detail: 'pure JavaScript kernels' },
];

const facts = (backends: BackendInfo[]) => ({
  appVersion: '0.1.0',
  versions: { electron: '45.5.0', chrome: '140.0', node: '22.20.0', v8: '14.0' },
  platform: 'linux x64',
  dataDir: '/home/a/.config/MoT Workbench',
  backends,
});

describe('About and first run', () => {
  it('names the backend auto picks: tensorflow first, webgpu never', () => {
    expect(backendInUse(gpuBox)?.name).toBe('tensorflow');
    expect(
      backendInUse(gpuBox.map((b) => ({ ...b, available: b.name !== 'tensorflow' })))?.name,
    ).toBe('wasm');
    expect(backendInUse([])).toBeUndefined();
  });

  it('says what a missing backend needs', () => {
    const lines = backendLines(gpuBox.map((b) => ({ ...b, available: b.name === 'wasm' })));
    expect(lines[0]).toMatch(/^✗ tensorflow: .*Needs .*tfjs-node-gpu.*CUDA/);
    expect(lines[1]).toMatch(/^✗ webgpu: .*Needs .*Vulkan, Metal or D3D12/);
    expect(lines[2]).toBe('✓ wasm: @tensorflow/tfjs-backend-wasm (SIMD)');
  });

  it('shows versions, the backend in use and the data dir', () => {
    const text = aboutDetail(facts(gpuBox));
    expect(text).toContain('Version 0.1.0');
    expect(text).toContain('Electron 45.5.0, Chromium 140.0, Node.js 22.20.0');
    expect(text).toContain('Training backend in use: tensorflow (@tensorflow/tfjs-node-gpu');
    expect(text).toContain('/home/a/.config/MoT Workbench');
  });

  it('welcomes with the real backends of this machine', async () => {
    const backends = await probeBackends();
    const text = welcomeDetail(facts(backends));
    expect(text).toContain('MOT_DATA_DIR');
    for (const b of backends) expect(text).toContain(`${b.available ? '✓' : '✗'} ${b.name}:`);
    expect(text).toContain('✓ wasm:');
  });
});

describe('the sample study the welcome offers', () => {
  it('is a valid crossover study on tiny-mot, created without starting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mot-sample-'));
    const workbench = await Workbench.open(dir);
    try {
      const result = await workbench.handle('createStudy', sampleStudyRequest());
      if (!result.ok) throw new Error(result.error.message);
      const runs = await workbench.handle('listRuns', {});
      if (!runs.ok) throw new Error(runs.error.message);
      const records = runs.value as { status: string }[];
      expect(records.length).toBe(8); // dense and MoT at four budgets
      expect(new Set(records.map((r) => r.status))).toEqual(new Set(['created']));
    } finally {
      await workbench.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
