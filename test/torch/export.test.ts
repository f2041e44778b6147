/**
 * A run leaves the workbench and comes back: `exportStoredRun` writes a folder that plain
 * `python3 train.py` continues from the run's last checkpoint, `attachRunFolder` registers that
 * folder in another data dir (history, checkpoints and all), and deleting the run detaches it
 * without touching the folder. The exported folder also trains with 2 ranks through torch's
 * elastic launcher (launch.py, c10d rendezvous), as one process would.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
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
import {
  createRun,
  evalRecords,
  maxDifference,
  openStore,
  records,
  skipReason,
  smallConfig,
  torchPython,
  trainLosses,
} from './helpers';

/** A TCP port nothing listens on right now (for the rendezvous). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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

  it('an exported run trains with 2 ranks through launch.py (the elastic launcher, c10d) as in one process', async () => {
    const config = smallConfig({
      model: { ffn: 'mot' },
      train: { steps: 8, evalEvery: 4, checkpointEvery: 8, snapshotEvery: 8 },
    });
    const root = mkdtempSync(path.join(tmpdir(), 'mot-export-'));
    const single = await exportNewRun(config, path.join(root, 'single'));
    const ranks = await exportNewRun(config, path.join(root, 'ranks'));
    const python = torchPython!.command;
    await promisify(execFile)(python, [path.join(single.dir, 'train.py')]);
    // The command the exported README gives for one node, with a rendezvous endpoint of its own.
    const rendezvous = `127.0.0.1:${await freePort()}`;
    await promisify(execFile)(python, [
      path.join(ranks.dir, 'launch.py'),
      ...['--nnodes', '1', '--nproc_per_node', '2'],
      ...['--rdzv_backend', 'c10d', '--rdzv_endpoint', rendezvous],
      path.join(ranks.dir, 'train.py'),
    ]);
    expect(readFileSync(path.join(ranks.runDir, 'log.txt'), 'utf8')).toMatch(/2 processes/);

    const store = await openStore();
    const one = await attachRunFolder(store, single.runDir);
    const two = await attachRunFolder(store, ranks.runDir);
    expect(two).toMatchObject({ status: 'completed', lastStep: 8 });
    const losses = trainLosses(store, two.id);
    expect(losses).toHaveLength(8);
    expect(maxDifference(losses, trainLosses(store, one.id))).toBeLessThan(2e-3);
    const validation = (id: string) => evalRecords(store, id).map((r) => r.validationLoss);
    expect(validation(two.id)).toHaveLength(2);
    expect(maxDifference(validation(two.id), validation(one.id))).toBeLessThan(2e-3);
  });
});
