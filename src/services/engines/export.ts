/**
 * `mot export`: a self-contained folder that trains a run anywhere Python and torch are, with no
 * workbench: the torch engine's files, a README, a SLURM script, and `run/`, a run folder with the
 * config, the prepared data and tokenizer, and either the initial weights (a new run) or the
 * source run's last checkpoint with its history (to continue it). `mot attach DIR/run` brings
 * the folder back into the workbench, also while it is still being trained.
 */
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { validateConfig, type RunConfig } from '../../core/config';
import type { CheckpointMeta } from '../run-data';
import type { RunStore } from '../store';
import { torchEngineDir } from './torch-launcher';
import { prepareTorchRun } from './torch-prepare';
import { exportReadme, slurmScript } from './export-docs';

export interface ExportResult {
  dir: string;
  runDir: string;
  /** The step the exported run continues from (0: a new run). */
  fromStep: number;
}

/** Exports stored run `runId` (continuing from its last checkpoint, if it has one) to `outDir`. */
export async function exportStoredRun(
  store: RunStore,
  runId: string,
  outDir: string,
): Promise<ExportResult> {
  const config = validateConfig(store.readConfig(runId));
  const steps = store.listCheckpoints(runId);
  const latest = steps.at(-1);
  const source = store.runDir(runId);
  return writeExport(outDir, config, store.dataDir, async (runDir) => {
    if (latest === undefined) return { fromStep: 0 };
    const step = `step-${String(latest).padStart(8, '0')}`;
    await cp(path.join(source, 'checkpoints', step), path.join(runDir, 'checkpoints', step), {
      recursive: true,
    });
    for (const name of ['metrics.jsonl', 'log.txt', 'snapshots']) {
      await cp(path.join(source, name), path.join(runDir, name), { recursive: true }).catch(
        () => {},
      );
    }
    const meta = store.readCheckpointMeta(runId, latest) as Partial<CheckpointMeta>;
    return { fromStep: latest, tokenizerJson: meta.tokenizer };
  });
}

/** Exports a new run of `config` (resolved and validated by the caller). */
export async function exportNewRun(
  config: RunConfig,
  outDir: string,
  dataDir?: string,
): Promise<ExportResult> {
  return writeExport(outDir, config, dataDir, async () => ({ fromStep: 0 }));
}

async function writeExport(
  outDir: string,
  config: RunConfig,
  dataDir: string | undefined,
  fill: (runDir: string) => Promise<{ fromStep: number; tokenizerJson?: unknown }>,
): Promise<ExportResult> {
  const dir = path.resolve(outDir);
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) throw new Error(`${dir} is not empty: export into a new folder`);
  const runDir = path.join(dir, 'run');
  await mkdir(runDir, { recursive: true });
  const engine = torchEngineDir();
  for (const name of await readdir(engine)) {
    if (name.endsWith('.py')) await cp(path.join(engine, name), path.join(dir, name));
  }
  // The exported run trains on torch; the processes are whatever torchrun starts.
  const exported: RunConfig = { ...config, backend: 'torch', train: { ...config.train } };
  delete exported.train.processes;
  await writeFile(path.join(runDir, 'config.json'), JSON.stringify(exported, null, 2));
  const { fromStep, tokenizerJson } = await fill(runDir);
  const manifest = await prepareTorchRun(runDir, exported, {
    dataDir,
    tokenizerJson,
    initialWeights: fromStep === 0,
  });
  await writeFile(path.join(dir, 'README.md'), exportReadme(exported, manifest, fromStep));
  await writeFile(path.join(dir, 'slurm.sbatch'), slurmScript(exported.name));
  return { dir, runDir, fromStep };
}
