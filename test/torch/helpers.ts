/**
 * Shared set-up of the torch tests: a real Python with torch (skipped, with the reason, where there
 * is none), a small real config (Brown, bytes, d 32, 2 blocks, T 16, B 8), and runs trained on
 * either engine into one store.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  resolveConfig,
  ffnSummary,
  type PartialRunConfig,
  type RunConfig,
} from '../../src/core/config';
import { BASE_CONFIG } from '../../src/core/presets';
import type { EvalRecord, MetricRecord, TrainRecord } from '../../src/core/train/metrics';
import { findTorchPython, describeRejections } from '../../src/services/engines/python';
import { torchEngineDir } from '../../src/services/engines/torch-launcher';
import { trainOnEngine } from '../../src/services/engines/torch-session';
import { RunStore, type RunRecord } from '../../src/services/store';
import { trainStoredRun } from '../../src/services/training';

const probe = await findTorchPython();
/** The Python the tests use, or null. */
export const torchPython = probe.found;
/** Why the torch tests skip (empty when they run). */
export const skipReason = probe.found ? '' : describeRejections(probe);
if (skipReason) console.warn(`torch tests skipped: ${skipReason}`);

/** The small config every torch test starts from (30 steps, evaluated and checkpointed at 15 and 30). */
export function smallConfig(overrides: PartialRunConfig = {}): RunConfig {
  const base = resolveConfig(BASE_CONFIG, {
    name: 'torch-test',
    model: {
      dModel: 32,
      layers: 2,
      heads: 2,
      contextLength: 16,
      dFF: 64,
      mot: { groupSize: 4, experts: 4 },
      moe: { experts: 4 },
    },
    train: {
      steps: 30,
      batchSize: 8,
      warmupSteps: 5,
      evalEvery: 15,
      evalBatches: 2,
      checkpointEvery: 15,
      snapshotEvery: 15,
    },
  });
  return resolveConfig(base, overrides);
}

export async function openStore(): Promise<RunStore> {
  return RunStore.open(mkdtempSync(path.join(tmpdir(), 'mot-torch-')));
}

export async function createRun(store: RunStore, config: RunConfig): Promise<string> {
  const run = await store.create({
    name: config.name,
    config,
    ffnSummary: ffnSummary(config.model),
  });
  return run.id;
}

/** Trains a stored run on its backend: tfjs in this process, torch through the run manager. */
export async function train(store: RunStore, runId: string, resume = false): Promise<RunRecord> {
  const config = resolveConfig(BASE_CONFIG, store.readConfig(runId));
  if (config.backend === 'torch') {
    const record = await trainOnEngine(store, runId).finished;
    if (record.status !== 'completed')
      throw new Error(`torch run ${record.status}: ${record.error}`);
    return record;
  }
  await trainStoredRun(store, runId, {
    resume,
    updateRecord: (patch) => store.update(runId, patch),
  });
  return store.get(runId);
}

export function trainLosses(store: RunStore, runId: string): number[] {
  return records(store, runId)
    .filter((r): r is TrainRecord => r.type === 'train')
    .map((r) => r.loss);
}

export function evalRecords(store: RunStore, runId: string): EvalRecord[] {
  return records(store, runId).filter((r): r is EvalRecord => r.type === 'eval');
}

export function records(store: RunStore, runId: string): MetricRecord[] {
  return store.readMetrics(runId).records as MetricRecord[];
}

/** `python3 train.py --run DIR --evaluate`: the validation loss of the folder's last checkpoint. */
export async function pythonEvaluate(
  runDir: string,
): Promise<{ step: number; validationLoss: number }> {
  const { stdout } = await promisify(execFile)(torchPython!.command, [
    path.join(torchEngineDir(), 'train.py'),
    '--run',
    runDir,
    '--evaluate',
  ]);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
    step: number;
    validationLoss: number;
  };
}

export function maxDifference(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}
