/**
 * Keeping a running process's catalog in line with the run folders, which are the ground truth:
 * a folder another process made but never listed (it crashed before its catalog write) is
 * added; a listed run whose folder was deleted by hand is dropped. The check is cheap (one
 * listing, one stat per run) and takes the data-dir lock only when something differs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Catalog } from './catalog';
import { listNames } from './durable';
import { compareIds, readRunFile, runDirOf, runsDirOf } from './run-folders';
import { type RunRecord, isRunId } from './run-record';

/** Adopts unlisted run folders and drops runs whose folder is gone; returns the dropped ids. */
export async function adoptAndDropFolders(catalog: Catalog, dataDir: string): Promise<string[]> {
  const known = new Set(catalog.runs.map((run) => run.id));
  // Synchronous on purpose: a listing is quick, and async fs calls queue behind the fsyncs of
  // training runs' writes in libuv's thread pool, which made listRuns wait for them.
  const names = listNames(runsDirOf(dataDir));
  const fresh = names.filter((name) => isRunId(name) && !known.has(name));
  const missing = [...known].filter((id) => !existsSync(runDirOf(dataDir, id)));
  if (fresh.length === 0 && missing.length === 0) return [];
  const found: RunRecord[] = [];
  for (const name of fresh) {
    const record = await readRunFile(path.join(runsDirOf(dataDir), name), name);
    if (record) found.push(record);
  }
  return catalog.transact((draft) => {
    // Under the lock: deletes and creations of other processes are whole by now.
    const added = found.filter((record) => !draft.runs.some((run) => run.id === record.id));
    const gone = draft.runs
      .filter((run) => !existsSync(runDirOf(dataDir, run.id)))
      .map((r) => r.id);
    draft.runs = [...draft.runs.filter((run) => !gone.includes(run.id)), ...added];
    draft.runs.sort((a, b) => compareIds(a.id, b.id));
    return gone;
  });
}
