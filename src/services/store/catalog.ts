/**
 * The catalog: `catalog.json` in the data folder, a lowdb document listing every run plus app
 * settings, so the app can list runs without opening each folder. It is a cache of the run
 * folders' `run.json` files, which is what makes repair possible: records that do not parse are
 * set aside and rebuilt from the folders.
 *
 * Several processes share one data dir (the app, `mot serve`, a terminal's `mot train`). Every
 * change is a read-modify-write under the data-dir lock: re-read the file, apply the change,
 * write it durably, release. So no process ever overwrites another's change, and within one
 * process changes also go through one promise chain. Reads see other processes' writes: the
 * file is re-read whenever its size, mtime or inode changed.
 */
import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Low } from 'lowdb';
import { StoreError } from './errors';
import {
  type CatalogData,
  CATALOG_FILE,
  CATALOG_SCHEMA_VERSION,
  DurableJsonFile,
  readCatalogFile,
  setCatalogAside,
} from './catalog-file';
import { removeLockLeftovers, withDataDirLock } from './data-dir-lock';
import {
  type RunFolderScan,
  compareIds,
  removeLeftovers,
  runsDirOf,
  scanRunFolders,
} from './run-folders';
import type { RunRecord } from './run-record';
import type { StudyRecord } from './study-record';

export type { RunRecord, RunStatus } from './run-record';
export { CATALOG_FILE, CATALOG_SCHEMA_VERSION, type CatalogData } from './catalog-file';

/** What opening had to fix, for the caller to report. Empty lists mean a clean open. */
export interface CatalogOpenReport {
  /** Where the damaged catalog.json was moved before it was rewritten. */
  corruptMovedTo?: string;
  /** Records left out because they did not parse (their run folders may restore them). */
  badRecords: string[];
  /** Runs added from folders missing in the catalog, or refreshed from a newer run.json. */
  recoveredRunIds: string[];
  /** Runs dropped: their folder is gone or their deletion was interrupted. */
  droppedRunIds: string[];
  /** Run folders whose run.json is unreadable; not listed, left on disk. */
  unreadableRunFolders: string[];
}

export interface CatalogOpenOptions {
  /**
   * Write repairs to disk (under the lock: set a damaged file aside, save the reconciled
   * catalog, remove crash leftovers). Off for a training child: it gets the repaired view in
   * memory only.
   */
  repair?: boolean;
  /**
   * Called under the lock while repairing, with the studies of an old catalog (which kept them)
   * to move into their own folders; they leave the catalog once it returns.
   */
  repairBeside?: (legacyStudies: StudyRecord[]) => Promise<void>;
}

interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

export class Catalog {
  private queue: Promise<unknown> = Promise.resolve();
  private stamp: FileStamp | undefined;
  /** A damaged file not yet set aside (opened without repair): move it before the first save. */
  private damagedOnDisk = false;

  private constructor(
    readonly dataDir: string,
    private readonly db: Low<CatalogData>,
    readonly openReport: CatalogOpenReport,
  ) {}

  get filePath(): string {
    return path.join(this.dataDir, CATALOG_FILE);
  }

  /**
   * Loads, checks and reconciles the catalog with the run folders. Throws `invalid` without
   * touching anything when the file comes from a newer app (higher schemaVersion).
   */
  static async open(dataDir: string, options: CatalogOpenOptions = {}): Promise<Catalog> {
    await fs.mkdir(runsDirOf(dataDir), { recursive: true });
    const filePath = path.join(dataDir, CATALOG_FILE);
    const report: CatalogOpenReport = {
      badRecords: [],
      recoveredRunIds: [],
      droppedRunIds: [],
      unreadableRunFolders: [],
    };
    const catalog = new Catalog(
      dataDir,
      new Low(new DurableJsonFile<CatalogData>(filePath), emptyCatalog()),
      report,
    );
    const load = async (repair: boolean) => {
      const stamp = stampOf(filePath);
      const loaded = readCatalogFile(filePath);
      const scan = await scanRunFolders(dataDir);
      const data = loaded.kind === 'ok' ? loaded.data : emptyCatalog();
      if (loaded.kind === 'ok') report.badRecords.push(...loaded.badRecords);
      if (loaded.kind === 'unreadable') report.badRecords.push(`catalog.json: ${loaded.reason}`);
      const damaged =
        loaded.kind === 'unreadable' || (loaded.kind === 'ok' && loaded.badRecords.length > 0);
      catalog.db.data = reconcile(data, scan, report);
      catalog.stamp = stamp;
      if (!repair) {
        catalog.damagedOnDisk = damaged;
        return;
      }
      if (damaged) report.corruptMovedTo = await setCatalogAside(filePath);
      const studies = loaded.kind === 'ok' ? loaded.legacyStudies : [];
      await options.repairBeside?.(studies);
      if (
        loaded.kind !== 'ok' ||
        damaged ||
        studies.length > 0 ||
        !isDeepStrictEqual(data, catalog.db.data)
      )
        await catalog.persist();
      await removeLeftovers(scan);
      await removeLockLeftovers(dataDir);
    };
    if (options.repair ?? true) await withDataDirLock(dataDir, () => load(true));
    else await load(false);
    return catalog;
  }

  /** The committed runs, ordered by id. Read-only: change them through {@link transact}. */
  get runs(): readonly RunRecord[] {
    return this.current().runs;
  }

  get settings(): Readonly<Record<string, unknown>> {
    return this.current().settings;
  }

  findRun(id: string): RunRecord | undefined {
    return this.current().runs.find((run) => run.id === id);
  }

  /**
   * Runs `change` on a copy of the data, holding the data-dir lock, after every earlier change
   * of this process and on the file as it is now on disk; then saves and fsyncs the catalog and
   * only then makes the copy visible. If `change` throws or the save fails, nothing changes.
   * `change` may await (to write a run's own files, which happens under the same lock).
   */
  transact<R>(change: (draft: CatalogData) => R | Promise<R>): Promise<R> {
    const step = () =>
      withDataDirLock(this.dataDir, async (): Promise<R> => {
        const before = this.current();
        const draft = structuredClone(before);
        const result = await change(draft);
        if (isDeepStrictEqual(before, draft)) return result;
        this.db.data = draft;
        try {
          await this.persist();
        } catch (error) {
          this.db.data = before;
          throw new StoreError('io', `cannot save ${this.filePath}`, { cause: error });
        }
        return result;
      });
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Takes in what another process has already written to disk (its runs' run.json files), in
   * memory only and in order with this process's own changes. Not saving is deliberate: two
   * processes saving one catalog race on lowdb's temporary file, and the run folders hold the
   * truth (a reopen recovers them); this process's next own change saves them along.
   */
  observe(change: (draft: CatalogData) => void): Promise<void> {
    const step = async (): Promise<void> => {
      const draft = structuredClone(this.db.data);
      change(draft);
      this.db.data = draft;
    };
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Waits for every queued change; for a clean shutdown. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /** The data, re-read first if another process saved the file since we last looked. */
  private current(): CatalogData {
    const stamp = stampOf(this.filePath);
    if (stamp === undefined || isDeepStrictEqual(stamp, this.stamp)) return this.db.data;
    this.stamp = stamp;
    const loaded = readCatalogFile(this.filePath);
    // A file damaged by hand while we run: keep what we had; our next save sets it aside.
    if (loaded.kind === 'ok' && loaded.badRecords.length === 0) this.db.data = loaded.data;
    else this.damagedOnDisk = true;
    return this.db.data;
  }

  private async persist(): Promise<void> {
    if (this.damagedOnDisk) {
      this.openReport.corruptMovedTo = await setCatalogAside(this.filePath).catch(
        () => this.openReport.corruptMovedTo,
      );
      this.damagedOnDisk = false;
    }
    await this.db.write();
    this.stamp = stampOf(this.filePath);
  }
}

function emptyCatalog(): CatalogData {
  return { schemaVersion: CATALOG_SCHEMA_VERSION, runs: [], settings: {} };
}

function stampOf(filePath: string): FileStamp | undefined {
  try {
    const { size, mtimeMs, ino } = statSync(filePath);
    return { size, mtimeMs, ino };
  } catch {
    return undefined;
  }
}

/**
 * Brings the catalog in line with the folders: the folders win. A folder missing from the
 * catalog (a crash between creating it and saving the catalog) is added; a run.json newer
 * than its catalog entry (a crash between the two writes of an update) replaces it; an entry
 * whose folder is gone is dropped. Unreadable folders keep their catalog entry, if any.
 */
function reconcile(data: CatalogData, scan: RunFolderScan, report: CatalogOpenReport): CatalogData {
  const onDisk = new Map(scan.records.map((record) => [record.id, record]));
  const deleted = new Set(scan.deletedIds);
  const unreadable = new Set(scan.unreadable);
  const runs = new Map<string, RunRecord>();
  for (const run of data.runs) {
    if (deleted.has(run.id) || (!onDisk.has(run.id) && !unreadable.has(run.id))) {
      report.droppedRunIds.push(run.id);
      continue;
    }
    runs.set(run.id, run);
  }
  for (const record of scan.records) {
    const known = runs.get(record.id);
    if (known === undefined || record.updatedAt > known.updatedAt) {
      runs.set(record.id, record);
      report.recoveredRunIds.push(record.id);
    }
  }
  report.unreadableRunFolders.push(...scan.unreadable.filter((id) => !runs.has(id)));
  const ordered = [...runs.values()].sort((a, b) => compareIds(a.id, b.id));
  return { ...data, runs: ordered };
}
