/**
 * A data-parallel run through the real workbench: a training process with a worker thread is
 * paused, resumed, stopped and started again from its checkpoint, and the resumed run trains
 * exactly the losses of an uninterrupted one (the checkpoint holds the weights, the optimizer,
 * the sampler and the worker count).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiResult, Events } from '../../src/core/api/contract';
import type { RunRecord } from '../../src/core/api/run-record';
import type { MetricRecord, TrainRecord } from '../../src/core/train/metrics';
import { Workbench } from '../../src/services/workbench';

const open: Workbench[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((workbench) => workbench.close()));
});

function value<T>(result: ApiResult<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

function statusOf(workbench: Workbench, runId: string, wanted: string): Promise<unknown> {
  return new Promise((resolve) => {
    const off = workbench.on('runStatus', (event: Events['runStatus']) => {
      if (event.runId === runId && event.status === wanted) {
        off();
        resolve(event);
      }
    });
  });
}

function progressPast(workbench: Workbench, runId: string, step: number): Promise<void> {
  return new Promise((resolve) => {
    const off = workbench.on('runProgress', (event) => {
      if (event.runId === runId && event.records.some((r) => r.step >= step)) {
        off();
        resolve();
      }
    });
  });
}

async function trainRecords(workbench: Workbench, runId: string): Promise<TrainRecord[]> {
  const { records } = value<{ records: MetricRecord[] }>(
    await workbench.handle('readMetrics', { runId }),
  );
  return records.filter((r): r is TrainRecord => r.type === 'train');
}

const TRAIN = { steps: 40, checkpointEvery: 10, workers: 2 };

describe('a run with worker threads', () => {
  it('pauses, resumes, stops, and resumes from its checkpoint to the losses of an uninterrupted run', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'mot-workers-')), 'data');
    const workbench = await Workbench.open(dataDir, { concurrency: 1 });
    open.push(workbench);
    const create = async () =>
      value<RunRecord>(
        await workbench.handle('createRun', { preset: 'smoke', config: { train: TRAIN } }),
      ).id;

    const straight = await create();
    const done = statusOf(workbench, straight, 'completed');
    value(await workbench.handle('startRun', { runId: straight }));
    await done;
    const expected = await trainRecords(workbench, straight);
    expect(expected.map((r) => r.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

    const runId = await create();
    value(await workbench.handle('startRun', { runId }));
    await progressPast(workbench, runId, 5);
    const paused = value<RunRecord>(await workbench.handle('pauseRun', { runId }));
    expect(paused.status).toBe('paused');
    const resumed = statusOf(workbench, runId, 'running');
    value(await workbench.handle('resumeRun', { runId }));
    await resumed;
    await progressPast(workbench, runId, 12);
    const stopped = value<RunRecord>(await workbench.handle('stopRun', { runId }));
    expect(stopped.status).toBe('stopped');
    const stoppedAt = stopped.lastStep!;
    expect(stoppedAt).toBeGreaterThanOrEqual(12);

    const completed = statusOf(workbench, runId, 'completed');
    value(await workbench.handle('startRun', { runId }));
    await completed;
    const records = await trainRecords(workbench, runId);
    expect(records.map((r) => r.step)).toEqual(expected.map((r) => r.step));
    // Bit-identical: the same batches, weights and updates, paused and resumed or not.
    expect(records.map((r) => r.loss)).toEqual(expected.map((r) => r.loss));

    const log = readFileSync(join(dataDir, 'runs', runId, 'log.txt'), 'utf8');
    expect(log).toContain('2 worker thread(s), 4 rows each (train.workers)');
    expect(log).toContain(`resume from step ${stoppedAt}`);
    const checkpoint = JSON.parse(
      readFileSync(
        join(dataDir, 'runs', runId, 'checkpoints', 'step-00000040', 'meta.json'),
        'utf8',
      ),
    ) as { meta: { state: { workers?: number } } };
    expect(checkpoint.meta.state.workers).toBe(2);
  });
});
