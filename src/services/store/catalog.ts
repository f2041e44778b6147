/**
 * The catalog: `catalog.json` in the data folder, a lowdb document listing every run plus app
 * settings, so the app can list runs without opening each folder. It is a cache of the run
 * folders' `run.json` files, which is what makes repair possible: an unreadable catalog is
 * set aside and rebuilt from them. One process writes it; inside that process every change
 * goes through one promise chain, so changes never interleave.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import * as v from 'valibot';
import { StoreError, errnoCode } from './errors';
import { fsyncDir, fsyncFile } from './durable';
import { type RunFolderScan, compareIds, runsDirOf, scanRunFolders } from './run-folders';
import { type RunRecord, RunRecordSchema } from './run-record';
import { type StudyRecord, StudyRecordSchema } from './study-record';

export type { RunRecord, RunStatus } from './run-record';

export const CATALOG_FILE = 'catalog.json';
export const CATALOG_SCHEMA_VERSION = 1;

export interface CatalogData {
  schemaVersion: typeof CATALOG_SCHEMA_VERSION;
  runs: RunRecord[];
  settings: Record<string, unknown>;
  /**
   * Studies (named sets of runs from one grid). Optional, so catalogs written before studies
   * existed load unchanged, and no schema version bump locks older apps out.
   */
  studies?: StudyRecord[];
}

const CatalogSchema = v.looseObject({
  schemaVersion: v.literal(CATALOG_SCHEMA_VERSION),
  runs: v.array(RunRecordSchema),
  settings: v.record(v.string(), v.unknown()),
  studies: v.optional(v.array(StudyRecordSchema)),
});

/** What opening had to fix, for the caller to log. Empty lists mean a clean open. */
export interface CatalogOpenReport {
  /** Where an unreadable catalog.json was moved before rebuilding. */
  corruptMovedTo?: string;
  /** Runs added from folders missing in the catalog, or refreshed from a newer run.json. */
  recoveredRunIds: string[];
  /** Runs dropped: their folder is gone or their deletion was interrupted. */
  droppedRunIds: string[];
  /** Run folders whose run.json is unreadable; not listed, left on disk. */
  unreadableRunFolders: string[];
}

export interface CatalogOpenOptions {
  /**
   * Write repairs to disk (set a corrupt file aside, save the reconciled catalog). Off for a
   * process that is not the catalog's writer: it then gets the repaired view in memory only.
   */
  repair?: boolean;
  /** A scan of the run folders already made by the caller. */
  scan?: RunFolderScan;
}

type Loaded =
  { kind: 'missing' } | { kind: 'corrupt'; reason: string } | { kind: 'ok'; data: CatalogData };

export class Catalog {
  private queue: Promise<unknown> = Promise.resolve();
  /** A corrupt file not yet set aside (opened without repair): move it before the first save. */
  private corruptOnDisk: boolean;

  private constructor(
    readonly filePath: string,
    private readonly db: Low<CatalogData>,
    readonly openReport: CatalogOpenReport,
    corruptOnDisk: boolean,
  ) {
    this.corruptOnDisk = corruptOnDisk;
  }

  /**
   * Loads, checks and reconciles the catalog with the run folders. Throws `invalid` without
   * touching anything when the file comes from a newer app (higher schemaVersion).
   */
  static async open(dataDir: string, options: CatalogOpenOptions = {}): Promise<Catalog> {
    const repair = options.repair ?? true;
    await fs.mkdir(runsDirOf(dataDir), { recursive: true });
    const filePath = path.join(dataDir, CATALOG_FILE);
    const loaded = await loadCatalogFile(filePath);
    const report: CatalogOpenReport = {
      recoveredRunIds: [],
      droppedRunIds: [],
      unreadableRunFolders: [],
    };
    let data = emptyCatalog();
    if (loaded.kind === 'ok') data = loaded.data;
    if (loaded.kind === 'corrupt' && repair) report.corruptMovedTo = await setAside(filePath);
    const scan = options.scan ?? (await scanRunFolders(dataDir));
    const reconciled = reconcile(data, scan, report);
    const db = new Low(new JSONFile<CatalogData>(filePath), reconciled);
    const catalog = new Catalog(filePath, db, report, loaded.kind === 'corrupt' && !repair);
    if (repair && (loaded.kind !== 'ok' || !isDeepStrictEqual(data, reconciled)))
      await catalog.persist();
    return catalog;
  }

  /** The committed runs, ordered by id. Read-only: change them through {@link transact}. */
  get runs(): readonly RunRecord[] {
    return this.db.data.runs;
  }

  get settings(): Readonly<Record<string, unknown>> {
    return this.db.data.settings;
  }

  /** The committed studies, oldest first. Read-only: change them through {@link transact}. */
  get studies(): readonly StudyRecord[] {
    return this.db.data.studies ?? [];
  }

  findRun(id: string): RunRecord | undefined {
    return this.db.data.runs.find((run) => run.id === id);
  }

  /**
   * Runs `change` on a copy of the data after every earlier change has finished, then saves
   * and fsyncs the catalog and only then makes the copy visible. If `change` throws or the
   * save fails, nothing changes. `change` may await (to write a run's own files in order).
   */
  transact<R>(change: (draft: CatalogData) => R | Promise<R>): Promise<R> {
    const step = async (): Promise<R> => {
      const before = this.db.data;
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
    };
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

  /** lowdb renames a temp file into place but never fsyncs; do both fsyncs it skips. */
  private async persist(): Promise<void> {
    if (this.corruptOnDisk) {
      this.openReport.corruptMovedTo = await setAside(this.filePath);
      this.corruptOnDisk = false;
    }
    await this.db.write();
    await fsyncFile(this.filePath);
    await fsyncDir(path.dirname(this.filePath));
  }
}

function emptyCatalog(): CatalogData {
  return { schemaVersion: CATALOG_SCHEMA_VERSION, runs: [], settings: {} };
}

async function loadCatalogFile(filePath: string): Promise<Loaded> {
  let text: string;
  try {
    text = await fs.readFile(filePath, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { kind: 'missing' };
    throw new StoreError('io', `cannot read ${filePath}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: 'corrupt', reason: error instanceof Error ? error.message : String(error) };
  }
  const version =
    typeof parsed === 'object' && parsed !== null
      ? Reflect.get(parsed, 'schemaVersion')
      : undefined;
  if (typeof version === 'number' && version > CATALOG_SCHEMA_VERSION) {
    throw new StoreError(
      'invalid',
      `${filePath} has schemaVersion ${version}, but this MoT Workbench reads only up to ` +
        `${CATALOG_SCHEMA_VERSION}: it was written by a newer version. Update the app; the file was left untouched.`,
    );
  }
  const result = v.safeParse(CatalogSchema, parsed);
  if (!result.success) return { kind: 'corrupt', reason: v.summarize(result.issues) };
  return { kind: 'ok', data: result.output as CatalogData };
}

/** Renames an unreadable catalog to `catalog.corrupt-<UTC time>.json` so nothing is lost. */
async function setAside(filePath: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '-');
  const target = path.join(path.dirname(filePath), `catalog.corrupt-${stamp}.json`);
  await fs.rename(filePath, target);
  await fsyncDir(path.dirname(filePath));
  return target;
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
