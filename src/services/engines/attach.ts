/**
 * `mot attach PATH`: registers a run folder that lives elsewhere (an exported folder trained by
 * torchrun, synced back from a cluster) as a run of this data dir. The data dir gets a link
 * `runs/<id> -> PATH`, and PATH a run.json (the store's record of it); everything the views read
 * (metrics.jsonl, snapshots, checkpoints, log.txt) is then read from the folder itself, as it
 * grows. Detaching (deleting the run) removes the link, never the folder.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ffnSummary, validateConfig } from '../../core/config';
import { newRunId, type RunRecord, type RunStore } from '../store';
import { readCheckpointMetaDir } from '../store/checkpoint';
import type { CheckpointMeta } from '../run-data';

/** Registers the run folder at `folder`; returns its new record. */
export async function attachRunFolder(store: RunStore, folder: string): Promise<RunRecord> {
  const dir = path.resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
  const configFile = path.join(dir, 'config.json');
  if (!existsSync(configFile))
    throw new Error(
      `${dir} is not a run folder: it has no config.json (attach the run/ inside an export)`,
    );
  const config = validateConfig(JSON.parse(readFileSync(configFile, 'utf8')));
  const already = store.list().find((run) => samePath(store.runDir(run.id), dir));
  if (already) throw new Error(`${dir} is already attached as run ${already.id}`);

  const progress = folderProgress(dir, config.train.steps);
  const finalTrainLoss = lastTrainLoss(dir, progress.step);
  const id = newRunId();
  const now = new Date().toISOString();
  const record: RunRecord = {
    id,
    name: config.name,
    status: progress.completed ? 'completed' : 'stopped',
    createdAt: now,
    updatedAt: now,
    ffnSummary: ffnSummary(config.model),
    tags: ['attached'],
    notes: `attached from ${dir}`,
    lastStep: progress.step,
    tokensSeen: progress.tokens,
    ...(progress.elapsedMs !== undefined && { elapsedMs: progress.elapsedMs }),
    ...(progress.bestValidationLoss !== undefined && {
      bestValidationLoss: progress.bestValidationLoss,
    }),
    ...(finalTrainLoss !== undefined && { finalTrainLoss }),
  };
  await fs.writeFile(path.join(dir, 'run.json'), JSON.stringify(record, null, 2));
  await fs.symlink(dir, store.runDir(id), 'dir');
  await store.syncFolders();
  const mine = store.list().find((run) => run.id === id);
  if (!mine) {
    await fs.unlink(store.runDir(id)).catch(() => {});
    throw new Error(`could not register ${dir}: its run.json did not read back`);
  }
  return mine;
}

/** Where a folder's training stands, from its newest checkpoint (metrics may run ahead). */
function folderProgress(
  dir: string,
  steps: number,
): {
  step: number;
  tokens: number;
  completed: boolean;
  elapsedMs?: number;
  bestValidationLoss?: number;
} {
  const checkpoints = path.join(dir, 'checkpoints');
  const names = readdirSafe(checkpoints)
    .filter((n) => /^step-\d{8,}$/.test(n))
    .sort();
  const latest = names.at(-1);
  if (!latest) return { step: 0, tokens: 0, completed: false };
  const meta = readCheckpointMetaDir(path.join(checkpoints, latest)) as Partial<CheckpointMeta>;
  const state = meta.state;
  if (!state) return { step: 0, tokens: 0, completed: false };
  return {
    step: state.step,
    tokens: state.tokens,
    completed: state.step >= steps,
    elapsedMs: state.elapsedMs,
    ...(state.bestValidationLoss != null && { bestValidationLoss: state.bestValidationLoss }),
  };
}

/**
 * The language-model loss of the last train record in metrics.jsonl at or before `throughStep`
 * (the trainer's "final train loss"), or undefined when there is none. Unreadable lines (a torn
 * last line while something still trains) are skipped.
 */
function lastTrainLoss(dir: string, throughStep: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  } catch {
    return undefined;
  }
  let loss: number | undefined;
  for (const line of text.split('\n')) {
    const record = parseLine(line);
    if (record?.type === 'train' && record.step <= throughStep) loss = record.lmLoss;
  }
  return loss;
}

function parseLine(line: string): { type?: string; step: number; lmLoss?: number } | undefined {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as { type?: string; step: number; lmLoss?: number };
  } catch {
    return undefined;
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
