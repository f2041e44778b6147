/**
 * The memory guard: a config the estimator sizes past the limit is refused when a run is created
 * or started (through the API and `mot train`), with a message naming the estimate and the limit;
 * training processes run under a V8 heap cap of the same size.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimate } from '../../src/services/api/estimate';
import { heapLimitArgs, memoryLimitBytes } from '../../src/services/memory-guard';
import { Workbench } from '../../src/services/workbench';
import { freshDir, mot } from '../cli/run-mot';

const GiB = 2 ** 30;
/** A GPT the estimator sizes at about 2 TiB: d 1024, 24 blocks, T 2048, batch 128. */
const HUGE = {
  model: { dModel: 1024, layers: 24, heads: 16, contextLength: 2048, dFF: 4096 },
  train: { batchSize: 128 },
};

describe('the limit', () => {
  it('is half the RAM by default, or MOT_MEMORY_LIMIT with a unit', () => {
    expect(memoryLimitBytes({})).toBe(Math.floor(totalmem() / 2));
    expect(memoryLimitBytes({ MOT_MEMORY_LIMIT: '12G' })).toBe(12 * GiB);
    expect(memoryLimitBytes({ MOT_MEMORY_LIMIT: '512MiB' })).toBe(512 * 2 ** 20);
    expect(memoryLimitBytes({ MOT_MEMORY_LIMIT: String(3 * GiB) })).toBe(3 * GiB);
    for (const bad of ['lots', '-1G', '1M', '12X'])
      expect(() => memoryLimitBytes({ MOT_MEMORY_LIMIT: bad })).toThrow(/MOT_MEMORY_LIMIT/);
  });

  it('maps to the heap cap in MiB', () => {
    expect(heapLimitArgs(3 * GiB)).toEqual(['--max-old-space-size=3072']);
  });
});

describe('runs past the limit are refused', () => {
  it('counts each extra worker thread: a replica, its gradient and its shared slab, plus the shared weights', () => {
    const one = estimate('tiny-mot', {});
    const four = estimate('tiny-mot', { train: { workers: 4 } });
    expect(four.memoryBytes! - one.memoryBytes!).toBe(4 * (3 * 3 + 1) * one.paramsTotal!);
    expect(estimate('tiny-mot', { train: { workers: 'auto' } }).memoryBytes).toBe(one.memoryBytes);
  });

  it('the estimator sizes the huge config past a terabyte', () => {
    expect(estimate('tiny-mot', HUGE).memoryBytes).toBeGreaterThan(1.5 * 2 ** 40);
  });

  it('createRun answers invalid_request naming the estimate and the limit; nothing is made', async () => {
    const workbench = await Workbench.open(freshDir(), { memoryLimitBytes: 8 * GiB });
    try {
      const result = await workbench.handle('createRun', { preset: 'tiny-mot', config: HUGE });
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      const { message } = (result as { error: { message: string } }).error;
      expect(message).toMatch(/needs about \d\.\d TiB .* memory limit of 8\.0 GiB/);
      expect(message).toMatch(/MOT_MEMORY_LIMIT/);
      expect(await workbench.handle('listRuns', {})).toEqual({ ok: true, value: [] });
    } finally {
      await workbench.close();
    }
  });

  it('startRun refuses a stored run past the limit and leaves it created', async () => {
    const dataDir = freshDir();
    const roomy = await Workbench.open(dataDir, { memoryLimitBytes: 2 ** 50 });
    const created = await roomy.handle('createRun', { preset: 'tiny-mot', config: HUGE });
    const runId = (created as { value: { id: string } }).value.id;
    await roomy.close();

    const workbench = await Workbench.open(dataDir, { memoryLimitBytes: 8 * GiB });
    try {
      const started = await workbench.handle('startRun', { runId });
      expect(started).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect((started as { error: { message: string } }).error.message).toMatch(/TiB.*8\.0 GiB/);
      expect(workbench.trainerProcessId(runId)).toBeUndefined();
      const run = await workbench.handle('getRun', { runId });
      expect(run).toMatchObject({ ok: true, value: { record: { status: 'created' } } });
    } finally {
      await workbench.close();
    }
  });

  it('a study whose grid reaches past the limit makes no run', async () => {
    const workbench = await Workbench.open(freshDir(), { memoryLimitBytes: 8 * GiB });
    try {
      const result = await workbench.handle('createStudy', {
        name: 'too big',
        preset: 'tiny-mot',
        config: { train: HUGE.train },
        grid: { 'model.contextLength': [64, 2048] },
        start: false,
      });
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect(await workbench.handle('listRuns', {})).toEqual({ ok: true, value: [] });
    } finally {
      await workbench.close();
    }
  });

  it('mot train refuses it before touching the data dir', () => {
    const dataDir = freshDir();
    const file = join(dataDir, '..', 'huge.json');
    writeFileSync(file, JSON.stringify(HUGE));
    const out = mot(['train', '--preset', 'tiny-mot', '--config', file, '--steps', '1'], dataDir);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/mot: config: the run needs about \d\.\d TiB .* memory limit of/);
    expect(mot(['runs', '--json'], dataDir).stdout.trim()).toBe('[]');
  });
});

describe.runIf(process.platform === 'linux')('the heap cap', () => {
  it('a training process runs with --max-old-space-size of the limit', async () => {
    const workbench = await Workbench.open(freshDir(), { memoryLimitBytes: 3 * GiB });
    try {
      const created = await workbench.handle('createRun', { preset: 'smoke' });
      const runId = (created as { value: { id: string } }).value.id;
      await workbench.handle('startRun', { runId });
      let pid: number | undefined;
      for (let i = 0; i < 200 && pid === undefined; i++) {
        pid = workbench.trainerProcessId(runId);
        if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv).toContain('--max-old-space-size=3072');
    } finally {
      await workbench.close();
    }
  });
});
