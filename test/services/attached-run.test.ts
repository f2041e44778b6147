/**
 * An attached run folder's record says what the folder holds, like a run trained here: its last
 * step, tokens, best validation loss and final train loss (the Runs table's "Final train"),
 * whether it was trained before `mot attach` or grows while it is watched. The folders here come
 * from a real tfjs training in another data dir (the torch engine writes the same files).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrainingElsewhere, type RunRecord } from '../../src/core/api/run-record';
import { ffnSummary, resolveConfig, type RunConfig } from '../../src/core/config';
import { BASE_CONFIG } from '../../src/core/presets';
import type { TrainRecord } from '../../src/core/train/metrics';
import { attachRunFolder } from '../../src/services/engines/attach';
import { AttachedRunWatcher } from '../../src/services/engines/attached-watch';
import { EventHub } from '../../src/services/events';
import { RunStore } from '../../src/services/store';
import { trainStoredRun } from '../../src/services/training';
import { Workbench } from '../../src/services/workbench';

const roots: string[] = [];
function temporary(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mot-attached-'));
  roots.push(root);
  return root;
}

const config: RunConfig = resolveConfig(BASE_CONFIG, {
  name: 'trained elsewhere',
  backend: 'cpu',
  model: { dModel: 16, layers: 1, heads: 2, contextLength: 8, dFF: 32, ffn: 'dense' },
  data: { validationTokens: 512 },
  train: {
    steps: 6,
    batchSize: 4,
    warmupSteps: 1,
    evalEvery: 3,
    checkpointEvery: 6,
    snapshotEvery: 6,
  },
});

/** The trained run's folder, and the lmLoss of its last train record. */
let trainedDir: string;
let lastLmLoss: number;

beforeAll(async () => {
  const store = await RunStore.open(temporary());
  const run = await store.create({
    name: config.name,
    config,
    ffnSummary: ffnSummary(config.model),
  });
  await trainStoredRun(store, run.id, { updateRecord: (patch) => store.update(run.id, patch) });
  trainedDir = store.runDir(run.id);
  const trains = metricLines(trainedDir).filter((r): r is TrainRecord => r.type === 'train');
  expect(trains.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
  lastLmLoss = trains.at(-1)!.lmLoss;
}, 120_000);

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function metricLines(dir: string): { type: string; step: number }[] {
  return readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type: string; step: number });
}

/** A copy of the trained folder as an export would hold it, without the other store's record. */
function copyOfTrainedFolder(): string {
  const dir = path.join(temporary(), 'run');
  cpSync(trainedDir, dir, { recursive: true });
  rmSync(path.join(dir, 'run.json'));
  return dir;
}

describe('attached run folders', () => {
  it('a folder trained before it is attached shows its final train loss', async () => {
    const store = await RunStore.open(temporary());
    const attached = await attachRunFolder(store, copyOfTrainedFolder());
    expect(attached).toMatchObject({ status: 'completed', lastStep: 6 });
    expect(attached.finalTrainLoss).toBe(lastLmLoss);
  });

  it('a watched folder that grows gets the last train loss as its final train loss, and its log lines', async () => {
    const dir = copyOfTrainedFolder();
    const metrics = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
    const log = readFileSync(path.join(dir, 'log.txt'), 'utf8');
    // Attached before its training started: no history, no checkpoint, no log yet.
    rmSync(path.join(dir, 'metrics.jsonl'));
    rmSync(path.join(dir, 'log.txt'));
    rmSync(path.join(dir, 'checkpoints'), { recursive: true });
    const store = await RunStore.open(temporary());
    const attached = await attachRunFolder(store, dir);
    expect(attached).toMatchObject({ status: 'stopped', lastStep: 0 });
    expect(attached.finalTrainLoss).toBeUndefined();

    const events = new EventHub();
    const logLines: string[] = [];
    const statuses: RunRecord[] = [];
    events.on('runLog', (e) => e.runId === attached.id && logLines.push(e.line));
    events.on('runStatus', (e) => statuses.push(e.record));
    const watcher = new AttachedRunWatcher(store, events.emit, () => false, 60_000);
    await watcher.poll();
    // What the trainer writes: metrics, and its log with a line still being written.
    writeFileSync(path.join(dir, 'metrics.jsonl'), metrics);
    writeFileSync(path.join(dir, 'log.txt'), `${log}2026-01-01T00:00:00.000Z half a li`);
    await watcher.poll();
    watcher.close();
    expect(store.get(attached.id)).toMatchObject({
      status: 'completed',
      lastStep: 6,
      finalTrainLoss: lastLmLoss,
    });
    expect(logLines).toEqual(log.split('\n').filter((line) => line !== ''));
    expect(logLines.at(-1)).toMatch(/completed at step 6/);
    // Every page hears the new record: completed, so no longer "training elsewhere".
    expect(statuses.map((r) => [r.status, r.lastStep])).toEqual([['completed', 6]]);
    expect(statuses[0].grewElsewhereAt).toBeDefined();
    expect(isTrainingElsewhere(statuses[0])).toBe(false);
  });

  it("steps written between the attach and the watcher's first look are not lost", async () => {
    const dir = copyOfTrainedFolder();
    const metrics = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
    rmSync(path.join(dir, 'metrics.jsonl'));
    rmSync(path.join(dir, 'checkpoints'), { recursive: true });
    const store = await RunStore.open(temporary());
    const attached = await attachRunFolder(store, dir); // `mot attach`, in its own process
    writeFileSync(path.join(dir, 'metrics.jsonl'), metrics); // the training goes on, then ends
    // The server's watcher looks for the first time only now.
    const progress: number[] = [];
    const events = new EventHub();
    events.on('runProgress', (e) => progress.push(...e.records.map((r) => r.step)));
    const watcher = new AttachedRunWatcher(store, events.emit, () => false, 60_000);
    await watcher.poll();
    watcher.close();
    expect(store.get(attached.id)).toMatchObject({ status: 'completed', lastStep: 6 });
    expect(progress.filter((step, i) => progress.indexOf(step) === i)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('is not started here while something else is still training it', async () => {
    const dir = copyOfTrainedFolder();
    const metrics = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n');
    rmSync(path.join(dir, 'checkpoints'), { recursive: true });
    // Three steps written so far by a training elsewhere, which then stops writing for a while.
    writeFileSync(path.join(dir, 'metrics.jsonl'), '');
    const dataDir = path.join(temporary(), 'data');
    const attached = await attachRunFolder(await RunStore.open(dataDir), dir);
    const workbench = await Workbench.open(dataDir, { foreignRunsPollMs: 0 });
    try {
      const step = async () =>
        (
          (await workbench.handle('listRuns', {})) as { value: { id: string; lastStep: number }[] }
        ).value.find((run) => run.id === attached.id)?.lastStep;
      await expect.poll(step, { timeout: 10_000 }).toBe(0);
      writeFileSync(
        path.join(dir, 'metrics.jsonl'),
        metrics.filter((line) => line !== '' && JSON.parse(line).step <= 3).join('\n') + '\n',
      );
      await expect.poll(step, { timeout: 10_000 }).toBe(3);
      // The Runs page says so until a minute after the folder last grew.
      const record = workbench.store.get(attached.id);
      const grew = Date.parse(record.grewElsewhereAt!);
      expect(grew).toBe(Math.floor(statSync(path.join(dir, 'metrics.jsonl')).mtimeMs));
      expect(isTrainingElsewhere(record)).toBe(true);
      expect(isTrainingElsewhere(record, grew + 59_999)).toBe(true);
      expect(isTrainingElsewhere(record, grew + 60_000)).toBe(false);
      const refused = await workbench.handle('startRun', { runId: attached.id });
      expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
      expect((refused as { error: { message: string } }).error.message).toMatch(
        /attached folder that grew \d+ s ago: it is being trained elsewhere/,
      );
    } finally {
      await workbench.close();
    }
  });
});
