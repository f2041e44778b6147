/**
 * The torch engine behind the run manager: data parallel over 2 CPU processes (gloo) equals one
 * process for dense and MoT; a token-choice MoE's capacity is per rank; pause holds, resume
 * continues, stop ends with a final checkpoint; a killed Python fails its run with a reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FfnKind } from '../../src/core/config';
import type { MoeLayerMetrics, TrainRecord } from '../../src/core/train/metrics';
import { probeBackends } from '../../src/services/backends';
import { engineLauncher } from '../../src/services/engines/engine-launcher';
import { mayHaveCuda } from '../../src/services/engines/python';
import { EventHub } from '../../src/services/events';
import { RunManager, forkTrainerLauncher } from '../../src/services/run-manager';
import {
  createRun,
  maxDifference,
  openStore,
  records,
  skipReason,
  smallConfig,
  train,
  trainLosses,
} from './helpers';

describe('the engine seam', () => {
  it('routes a run by its backend: torch to Python, others (and auto without CUDA) to tfjs', async () => {
    const store = await openStore();
    const asked: (string | undefined)[] = [];
    const tfjs = (runId?: string) => {
      asked.push(runId);
      return { send() {}, onMessage() {}, onExit() {}, kill() {} };
    };
    const launch = engineLauncher(store, tfjs);
    const wasm = await createRun(store, smallConfig({ backend: 'wasm' }));
    launch(wasm);
    expect(asked).toEqual([wasm]);
    const torch = await createRun(store, smallConfig({ backend: 'torch' }));
    const channel = launch(torch);
    expect(asked).toEqual([wasm]); // not the tfjs launcher
    const ready = await new Promise((resolve) => channel.onMessage(resolve));
    expect(ready).toEqual({ type: 'ready' }); // answered by the channel; Python starts on `start`
    channel.kill();
    if (!mayHaveCuda()) {
      const auto = await createRun(store, smallConfig({ backend: 'auto' }));
      launch(auto);
      expect(asked).toEqual([wasm, auto]);
    }
  });
});

describe.skipIf(skipReason !== '')('the torch engine', () => {
  it('reports which python and torch it found', async () => {
    const torch = (await probeBackends()).find((b) => b.name === 'torch')!;
    expect(torch.available).toBe(true);
    expect(torch.detail).toMatch(
      /^python 3\.\d+\.\d+ \(.+\), torch \d+\.\d+.*, (no CUDA|CUDA: |MPS)/,
    );
  });

  for (const ffn of ['dense', 'mot'] as FfnKind[]) {
    it(`${ffn}: 2 processes train the global batch exactly as 1 process does`, async () => {
      const store = await openStore();
      const one = await createRun(store, smallConfig({ model: { ffn }, backend: 'torch' }));
      const two = await createRun(
        store,
        smallConfig({ model: { ffn }, backend: 'torch', train: { processes: 2 } }),
      );
      await train(store, one);
      await train(store, two);
      expect(maxDifference(trainLosses(store, one), trainLosses(store, two))).toBeLessThan(2e-3);
      expect(store.readLog(two, 10).lines.join('\n')).toMatch(/2 processes/);
    });
  }

  it('moe: capacity is per rank; without drops or balancing loss 2 processes equal 1', async () => {
    const store = await openStore();
    const capacityOf = (runId: string) =>
      ((records(store, runId)[0] as TrainRecord).layers[0] as MoeLayerMetrics).capacity;
    // Default capacity factor 1.25: 2 ranks of 4 rows x 16 tokens each.
    const split = await createRun(
      store,
      smallConfig({ model: { ffn: 'moe' }, backend: 'torch', train: { processes: 2 } }),
    );
    await train(store, split);
    expect(capacityOf(split)).toBe(Math.floor((1.25 * 4 * 16) / 4)); // 20, not 40 for 8 x 16
    // Capacity factor E: no token is ever dropped, and no balancing loss (a product of means).
    const noDrops = { ffn: 'moe' as const, moe: { capacityFactor: 4, loadBalanceWeight: 0 } };
    const one = await createRun(store, smallConfig({ model: noDrops, backend: 'torch' }));
    const two = await createRun(
      store,
      smallConfig({ model: noDrops, backend: 'torch', train: { processes: 2 } }),
    );
    await train(store, one);
    await train(store, two);
    expect(capacityOf(one)).toBe(128);
    expect(capacityOf(two)).toBe(64);
    expect(maxDifference(trainLosses(store, one), trainLosses(store, two))).toBeLessThan(2e-3);
  });

  it('pauses, resumes and stops with a final checkpoint; a killed Python fails its run', async () => {
    const store = await openStore();
    const events = new EventHub();
    const manager = new RunManager(store, events.emit, {
      launcher: engineLauncher(store, forkTrainerLauncher()),
      concurrency: 1,
      stopGraceMs: 30_000,
      shutdownGraceMs: 10_000,
    });
    const config = smallConfig({ backend: 'torch', train: { steps: 100_000, warmupSteps: 5 } });
    const runId = await createRun(store, config);
    let lastStep = 0;
    events.on('runProgress', (e) => (lastStep = e.records.at(-1)?.step ?? lastStep));
    const stepAtLeast = async (n: number) => {
      while (lastStep < n) await new Promise((r) => setTimeout(r, 50));
    };
    await manager.enqueue(runId);
    await stepAtLeast(20);
    expect((await manager.pause(runId)).status).toBe('paused');
    await new Promise((r) => setTimeout(r, 300)); // the step in flight reports
    const held = lastStep;
    await new Promise((r) => setTimeout(r, 1000));
    expect(lastStep).toBe(held);
    await manager.resume(runId);
    await stepAtLeast(held + 20);
    const stopped = await manager.stop(runId);
    expect(stopped.status).toBe('stopped');
    expect(store.listCheckpoints(runId).at(-1)).toBe(stopped.lastStep);
    expect(stopped.lastStep).toBeGreaterThanOrEqual(held + 20);
    // The record knows the training split's size, as for the embedded engine (passes per budget).
    const manifestFile = join(store.runDir(runId), 'prepared', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { trainTokens: number };
    expect(stopped.trainSplitTokens).toBe(manifest.trainTokens);

    // Continues from that checkpoint; then the Python process is killed.
    await manager.enqueue(runId);
    await stepAtLeast(stopped.lastStep + 10);
    process.kill(manager.processId(runId)!, 'SIGKILL');
    while (store.get(runId).status !== 'failed') await new Promise((r) => setTimeout(r, 50));
    expect(store.get(runId).error).toMatch(/killed by signal SIGKILL/);
    await manager.close();
  });
});
