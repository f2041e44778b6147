/**
 * A run leaves the workbench and comes back: `exportStoredRun` writes a folder that plain
 * `python3 train.py` continues from the run's last checkpoint, `attachRunFolder` registers that
 * folder in another data dir (history, checkpoints and all), and deleting the run detaches it
 * without touching the folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { TrainRecord } from '../../src/core/train/metrics';
import type { Events } from '../../src/core/api/contract';
import { attachRunFolder } from '../../src/services/engines/attach';
import { AttachedRunWatcher } from '../../src/services/engines/attached-watch';
import { exportNewRun, exportStoredRun } from '../../src/services/engines/export';
import { EventHub } from '../../src/services/events';
import { loadCheckpoint } from '../../src/services/run-data';
import { RunStore } from '../../src/services/store';
import { trainStoredRun } from '../../src/services/training';
import { createRun, openStore, records, skipReason, smallConfig, torchPython } from './helpers';

describe.skipIf(skipReason !== '')('export and attach', () => {
  it('an exported run continues under plain python3 and attaches back; detaching keeps the folder', async () => {
    const store = await openStore();
    const runId = await createRun(store, smallConfig({ model: { ffn: 'mot' }, backend: 'wasm' }));
    // Train on tfjs until the step-15 checkpoint, then stop.
    let stopAt15 = () => {};
    await trainStoredRun(store, runId, {
      updateRecord: (patch) => store.update(runId, patch),
      hooks: {
        onStart: ({ trainer }) => (stopAt15 = () => trainer.stop()),
        onCheckpoint: (step) => step === 15 && stopAt15(),
      },
    });
    expect(store.listCheckpoints(runId)).toEqual([15]);

    const out = path.join(mkdtempSync(path.join(tmpdir(), 'mot-export-')), 'job');
    const exported = await exportStoredRun(store, runId, out);
    expect(exported.fromStep).toBe(15);
    for (const file of ['train.py', 'model.py', 'README.md', 'slurm.sbatch'])
      expect(existsSync(path.join(out, file))).toBe(true);
    await expect(exportStoredRun(store, runId, out)).rejects.toThrow(/not empty/);

    // No workbench: the folder's own train.py, default run folder ./run, resumes at step 16.
    await promisify(execFile)(torchPython!.command, [path.join(out, 'train.py')], { cwd: out });

    const other = await RunStore.open(mkdtempSync(path.join(tmpdir(), 'mot-attach-')));
    const attached = await attachRunFolder(other, exported.runDir);
    expect(attached).toMatchObject({ status: 'completed', lastStep: 30, tags: ['attached'] });
    const steps = records(other, attached.id)
      .filter((r): r is TrainRecord => r.type === 'train')
      .map((r) => r.step);
    expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(loadCheckpoint(other, attached.id).meta.backend).toBe('torch');
    await expect(attachRunFolder(other, exported.runDir)).rejects.toThrow(/already attached/);

    // Still listed after a reopen (the catalog is rebuilt from the folders, links included).
    const reopened = await RunStore.open(other.dataDir);
    expect(reopened.get(attached.id).lastStep).toBe(30);
    await reopened.delete(attached.id);
    expect(readdirSync(path.join(exported.runDir, 'checkpoints'))).toContain('step-00000030');
    expect(existsSync(path.join(exported.runDir, 'metrics.jsonl'))).toBe(true);
  });

  it('an attached folder is watched: what a training elsewhere appends arrives as progress', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'mot-export-')), 'job');
    const exported = await exportNewRun(smallConfig({ model: { ffn: 'dense' } }), out);
    const store = await openStore();
    const attached = await attachRunFolder(store, exported.runDir);
    expect(attached).toMatchObject({ status: 'stopped', lastStep: 0 });
    const events = new EventHub();
    const progress: Events['runProgress'][] = [];
    events.on('runProgress', (e) => progress.push(e));
    const watcher = new AttachedRunWatcher(store, events.emit, () => false, 60_000);
    await watcher.poll();
    expect(progress).toEqual([]);

    await promisify(execFile)(torchPython!.command, [path.join(out, 'train.py')]);
    await watcher.poll();
    watcher.close();
    const steps = progress.flatMap((e) =>
      e.records.filter((r) => r.type === 'train').map((r) => r.step),
    );
    expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(store.get(attached.id)).toMatchObject({ status: 'completed', lastStep: 30 });
  });
});
