/**
 * A torch run's data preparation (tokenising the corpus, training its BPE, the seeded initial
 * weights: seconds of synchronous work) runs in a task process, not on the serving thread: the
 * job is done by another process while this event loop keeps ticking; a preparation that fails
 * fails its run with a message that says so, and leaves the run readable and startable again.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/api/run-record';
import { ffnSummary, resolveConfig, type PartialRunConfig } from '../../src/core/config';
import { BASE_CONFIG } from '../../src/core/presets';
import { findTorchPython } from '../../src/services/engines/python';
import { PREPARED_DIR } from '../../src/services/engines/torch-prepare';
import { RunStore } from '../../src/services/store';
import { TaskPool, forkTaskLauncher, type PrepareTorchResult } from '../../src/services/tasks';
import { Workbench } from '../../src/services/workbench';

/** Brown with a 512-token BPE: several seconds of merges on a small machine. */
function torchConfig(overrides: PartialRunConfig = {}) {
  const base = resolveConfig(BASE_CONFIG, {
    name: 'prep',
    backend: 'torch',
    data: {
      corpus: { kind: 'builtin', name: 'brown' },
      tokenizer: { kind: 'bpe', vocabSize: 512 },
    },
    model: { dModel: 32, layers: 1, heads: 2, contextLength: 16, dFF: 64 },
    train: { steps: 4, batchSize: 8, warmupSteps: 1, evalEvery: 4, evalBatches: 1 },
  });
  return resolveConfig(base, overrides);
}

/** A dataset id in the right form that no data dir holds. */
const MISSING_DATASET: PartialRunConfig = {
  data: { corpus: { kind: 'dataset', id: 'missing-0000' } },
};

async function storeWithRun(overrides: PartialRunConfig = {}) {
  const store = await RunStore.open(mkdtempSync(path.join(tmpdir(), 'mot-prep-')));
  const config = torchConfig(overrides);
  const run = await store.create({
    name: config.name,
    config,
    ffnSummary: ffnSummary(config.model),
  });
  return { store, config, runId: run.id };
}

describe('torch data preparation in the task pool', () => {
  const pool = new TaskPool(forkTaskLauncher());
  afterAll(() => pool.close());

  it('is done by another process while this event loop keeps ticking', async () => {
    const { store, config, runId } = await storeWithRun();
    const runDir = store.runDir(runId);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    let ticksWhilePreparing = -1;
    const result = (await pool
      .run({
        type: 'prepareTorch',
        runDir,
        dataDir: store.dataDir,
        config,
        initialWeights: true,
      })
      .finally(() => {
        ticksWhilePreparing = ticks;
        clearInterval(ticker);
      })) as PrepareTorchResult;
    expect(result.pid).not.toBe(process.pid);
    // BPE training alone takes seconds; had it run here, no tick would have fired meanwhile.
    expect(ticksWhilePreparing).toBeGreaterThan(2);
    expect(result.manifest.vocabSize).toBeGreaterThanOrEqual(512);
    expect(result.manifest.trainTokens).toBeGreaterThan(100_000);
    for (const file of ['train.bin', 'validation.bin', 'tokenizer.json', 'init/meta.json'])
      expect(existsSync(path.join(runDir, PREPARED_DIR, file)), file).toBe(true);
  }, 180_000);

  it('rejects with the cause when the data cannot be read', async () => {
    const { store, config, runId } = await storeWithRun(MISSING_DATASET);
    const job = pool.run({
      type: 'prepareTorch',
      runDir: store.runDir(runId),
      dataDir: store.dataDir,
      config,
      initialWeights: true,
    });
    await expect(job).rejects.toMatchObject({ code: 'failed', message: /missing-0000/ });
    expect(existsSync(path.join(store.runDir(runId), PREPARED_DIR))).toBe(false);
  }, 60_000);
});

const python = (await findTorchPython()).found;

describe.skipIf(python === null)('a torch run through the workbench', () => {
  const workbenches: Workbench[] = [];
  afterAll(() => Promise.all(workbenches.map((w) => w.close())));

  async function open(overrides: PartialRunConfig) {
    const { store, runId } = await storeWithRun(overrides);
    const workbench = await Workbench.open(store.dataDir, { foreignRunsPollMs: 0 });
    workbenches.push(workbench);
    const settled = new Promise<RunRecord>((resolve) =>
      workbench.on('runStatus', (event) => {
        if (event.runId === runId && ['completed', 'failed'].includes(event.status))
          resolve(event.record);
      }),
    );
    return { workbench, runId, settled };
  }

  it('fails with a clear message when preparing fails, and stays readable', async () => {
    const { workbench, runId, settled } = await open(MISSING_DATASET);
    expect(await workbench.handle('startRun', { runId })).toMatchObject({ ok: true });
    const record = await settled;
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/^preparing the data for the torch engine failed: .*missing-0000/);
    const log = await workbench.handle('readLog', { runId });
    expect(JSON.stringify(log)).toMatch(/torch engine: preparing the data \(dataset missing-0000/);
    expect(await workbench.handle('getRun', { runId })).toMatchObject({ ok: true });
  }, 120_000);

  it('trains once the task process has prepared it; the API answers meanwhile', async () => {
    const { workbench, runId, settled } = await open({});
    expect(await workbench.handle('startRun', { runId })).toMatchObject({ ok: true });
    // Asked while the BPE trains in the task process: answered long before training ends.
    const answered = await workbench.handle('listRuns', {});
    expect(answered).toMatchObject({ ok: true });
    const record = await settled;
    expect(record.status, record.error).toBe('completed');
    const log = await workbench.handle('readLog', { runId });
    expect(JSON.stringify(log)).toMatch(/torch engine: data ready in [\d.]+ s/);
  }, 240_000);
});
