/**
 * The on-disk layout of `runs/` and a scan of it. Each run folder carries its own `run.json`,
 * so the folders, not the catalog, are the ground truth: the catalog can always be rebuilt
 * from a scan. Dotted names are never runs: `.<id>.tmp-*` is a run folder still being
 * created, `.deleted-<id>-*` one being removed.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from './errors';
import { parseSiblingName } from './durable';
import { type RunRecord, assertRunId, isRunId, parseRunRecord } from './run-record';

export const RUNS_DIR = 'runs';
export const RUN_FILE = 'run.json';
export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';
export const LOG_FILE = 'log.txt';
export const SNAPSHOTS_DIR = 'snapshots';
export const CHECKPOINTS_DIR = 'checkpoints';
export const OWNER_FILE = 'owner.json';
const CATALOG_FILE = 'catalog.json';
/** Files of a run folder written only under the data-dir lock. */
const RUN_FOLDER_LOCKED_FILES = [RUN_FILE, OWNER_FILE];

const TOMBSTONE = /^\.deleted-([0-9]{8}-[0-9]{6}-[0-9a-f]{4})-[0-9a-f]{8}$/;

/** A half-created run folder older than this belongs to a process that died. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export function runsDirOf(dataDir: string): string {
  return path.join(dataDir, RUNS_DIR);
}

/** The folder of run `id`; the id is checked first so it cannot point outside `runs/`. */
export function runDirOf(dataDir: string, id: string): string {
  return path.join(runsDirOf(dataDir), assertRunId(id));
}

/** Where a run folder is renamed before removal, so a crash mid-delete is finished on next open. */
export function tombstonePath(dataDir: string, id: string): string {
  return path.join(
    runsDirOf(dataDir),
    `.deleted-${assertRunId(id)}-${randomBytes(4).toString('hex')}`,
  );
}

export interface RunFolderScan {
  /** Valid run.json records, one per run folder, ordered by id. */
  records: RunRecord[];
  /** Run folders (by id) whose run.json is missing or invalid; left alone. */
  unreadable: string[];
  /** Ids of runs whose deletion was started; their records must go. */
  deletedIds: string[];
  /**
   * Leftovers safe to remove: tombstones, stale half-created folders, temp files of writes
   * made under the lock (valid only while the scan's caller holds it).
   */
  leftovers: string[];
}

export async function scanRunFolders(
  dataDir: string,
  now: number = Date.now(),
): Promise<RunFolderScan> {
  const runsDir = runsDirOf(dataDir);
  const scan: RunFolderScan = { records: [], unreadable: [], deletedIds: [], leftovers: [] };
  let entries: Dirent[];
  try {
    entries = await fs.readdir(runsDir, { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return scan;
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(runsDir, entry.name);
    // A link to a folder is an attached run (src/services/engines/attach.ts).
    if (!entry.isDirectory() && !(entry.isSymbolicLink() && (await isFolder(full)))) continue;
    if (isRunId(entry.name)) {
      const record = await readRunFile(full, entry.name);
      if (record === undefined) scan.unreadable.push(entry.name);
      else scan.records.push(record);
      scan.leftovers.push(...(await lockedWriteLeftovers(full, RUN_FOLDER_LOCKED_FILES)));
      continue;
    }
    const tombstone = TOMBSTONE.exec(entry.name);
    if (tombstone !== null) {
      scan.deletedIds.push(tombstone[1] as string);
      scan.leftovers.push(full);
      continue;
    }
    const sibling = parseSiblingName(entry.name);
    if (
      sibling?.kind === 'tmp' &&
      isRunId(sibling.base) &&
      (await isOlderThan(full, now - STALE_TEMP_MS))
    ) {
      scan.leftovers.push(full);
    }
  }
  scan.records.sort((a, b) => compareIds(a.id, b.id));
  scan.leftovers.push(...(await lockedWriteLeftovers(dataDir, [CATALOG_FILE])));
  return scan;
}

/**
 * Temp files of writes that happen only under the data-dir lock (catalog.json, run.json,
 * owner.json): the scan runs under that lock, so any it finds belong to a writer that died.
 * `.catalog.json.tmp` is the one fixed name older versions (lowdb's own adapter) used.
 */
async function lockedWriteLeftovers(dir: string, bases: readonly string[]): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names
    .filter((name) => {
      const sibling = parseSiblingName(name);
      if (sibling?.kind === 'tmp' && bases.includes(sibling.base)) return true;
      return bases.some((base) => name === `.${base}.tmp`);
    })
    .map((name) => path.join(dir, name));
}

/** Removes what {@link scanRunFolders} found safe to remove; best effort. */
export async function removeLeftovers(scan: RunFolderScan): Promise<void> {
  for (const leftover of scan.leftovers) {
    await fs.rm(leftover, { recursive: true, force: true }).catch(() => undefined);
  }
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function readRunFile(runDir: string, id: string): Promise<RunRecord | undefined> {
  try {
    const record = parseRunRecord(
      JSON.parse(await fs.readFile(path.join(runDir, RUN_FILE), 'utf8')),
      RUN_FILE,
    );
    return record.id === id ? record : undefined;
  } catch {
    return undefined;
  }
}

async function isFolder(target: string): Promise<boolean> {
  return (await fs.stat(target).catch(() => undefined))?.isDirectory() ?? false;
}

async function isOlderThan(target: string, cutoffMs: number): Promise<boolean> {
  try {
    return (await fs.stat(target)).mtimeMs < cutoffMs;
  } catch {
    return false;
  }
}
