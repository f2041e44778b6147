/**
 * RunStore: the one API the rest of the app (main process, CLI, server, trainer) uses for runs
 * on disk. It keeps the catalog and each run's `run.json` in step, checks every run id before
 * it touches a path, and turns file-system failures into {@link StoreError}s. The files inside
 * a run's folder are {@link RunFiles}; who trains a run is {@link RunOwners}; studies are
 * {@link StudyStore}.
 *
 * Several processes may open one data dir. Catalog changes (create, update, delete,
 * markInterrupted, updateSettings) are serialised by the data-dir lock (see catalog.ts). A run
 * is trained by the one process that claimed it (`owners`); a training child opens its own
 * RunStore with `repair: false` and writes only that run's files.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as v from 'valibot';
import { type CatalogOpenReport, Catalog } from './catalog';
import { fsyncDir, writeDirDurable, writeFileDurable } from './durable';
import { StoreError, asStoreError, errnoCode } from './errors';
import { CONFIG_FILE, RUN_FILE, compareIds, runsDirOf, tombstonePath } from './run-folders';
import { RunFiles } from './run-files';
import { removeOwner } from './ownership';
import { RunOwners } from './run-owners';
import {
  type RunRecord,
  CreateInputSchema,
  PATCHABLE,
  assertRunId,
  newRunId,
  nextTimestamp,
  parseRunRecord,
  recordJson,
} from './run-record';
import { StudyStore, repairStudies } from './study-store';
import { adoptAndDropFolders } from './folder-sync';
import { type StoreNotice, describeCatalogRepair, notice } from './notices';
import type { JsonLinesRead } from './metrics-log';

export { StoreError } from './errors';
export type { StoreErrorCode } from './errors';

export interface CreateRunInput {
  name: string;
  /** The validated run config; stored verbatim as config.json. */
  config: unknown;
  ffnSummary: string;
  parent?: { runId: string; step: number };
  tags?: string[];
}

export type RunPatch = Partial<Omit<RunRecord, 'id' | 'createdAt'>>;

export interface RunStoreOpenOptions {
  /** Write repairs to disk on open (default). False for a training child. */
  repair?: boolean;
}

/** Statuses that mean "a process is on it": left by a crash when no live process owns the run. */
const BUSY = new Set(['running', 'queued', 'paused']);

/** A record id collision in one second is 1 in 65536; a few retries make it impossible in practice. */
const ID_ATTEMPTS = 8;

export class RunStore extends RunFiles {
  /** Studies, each in its own folder. */
  readonly studies: StudyStore;
  /** Which process trains which run. */
  readonly owners: RunOwners;
  /** What this store repaired or noticed (a damaged catalog, a vanished run folder), oldest first. */
  readonly notices: StoreNotice[] = [];
  private readonly tornReported = new Set<string>();
  /** updatedAt of each run as this process created, opened or last reported it (see syncFromDisk). */
  private readonly seenUpdates = new Map<string, string>();

  private constructor(
    dataDir: string,
    private readonly catalog: Catalog,
  ) {
    super(dataDir);
    this.studies = new StudyStore(dataDir, catalog);
    this.owners = new RunOwners(dataDir, catalog);
    const repair = describeCatalogRepair(catalog.openReport);
    if (repair !== undefined) this.notices.push(repair);
    for (const run of catalog.runs) this.seenUpdates.set(run.id, run.updatedAt);
  }

  /** Opens (creating if needed) the store in `dataDir`, repairing what a crash left behind. */
  static async open(dataDir: string, options: RunStoreOpenOptions = {}): Promise<RunStore> {
    const dir = path.resolve(dataDir);
    const repair = options.repair ?? true;
    const catalog = await Catalog.open(dir, {
      repair,
      repairBeside: (legacyStudies) => repairStudies(dir, legacyStudies),
    });
    return new RunStore(dir, catalog);
  }

  /** What opening repaired (a set-aside catalog, recovered or dropped runs), for the log. */
  get openReport(): CatalogOpenReport {
    return this.catalog.openReport;
  }

  /** Creates `runs/<id>/` with config.json and run.json in one atomic step, then lists it. */
  async create(input: CreateRunInput): Promise<RunRecord> {
    const parsed = v.safeParse(CreateInputSchema, input);
    if (!parsed.success)
      throw new StoreError('invalid', `create run: ${v.summarize(parsed.issues)}`);
    const { name, config, ffnSummary, parent, tags } = parsed.output;
    const configText = JSON.stringify(config, null, 2) as string | undefined;
    if (configText === undefined)
      throw new StoreError('invalid', 'create run: config must be JSON');
    return this.catalog.transact(async (draft) => {
      if (parent !== undefined && !draft.runs.some((run) => run.id === parent.runId)) {
        throw new StoreError('not_found', `parent run ${parent.runId} does not exist`);
      }
      // Strictly after every existing run, so "newest first" is the order of creation.
      const latest = draft.runs.reduce((max, run) => Math.max(max, Date.parse(run.createdAt)), 0);
      for (let attempt = 1; ; attempt += 1) {
        const now = new Date(Math.max(Date.now(), latest + 1));
        const id = newRunId(now);
        if (draft.runs.some((run) => run.id === id)) continue;
        const createdAt = now.toISOString();
        const record: RunRecord = {
          id,
          name,
          status: 'created',
          createdAt,
          updatedAt: createdAt,
          ffnSummary,
          ...(parent !== undefined ? { parent } : {}),
          tags,
          notes: '',
          lastStep: 0,
          tokensSeen: 0,
        };
        try {
          await writeDirDurable(this.runDir(id), {
            [CONFIG_FILE]: configText,
            [RUN_FILE]: recordJson(record),
          });
        } catch (error) {
          if (error instanceof StoreError && error.code === 'conflict' && attempt < ID_ATTEMPTS)
            continue;
          throw asStoreError(error, `create run ${id}`);
        }
        draft.runs.push(record);
        this.seenUpdates.set(id, createdAt);
        return structuredClone(record);
      }
    });
  }

  /**
   * Brings the catalog in line with folders changed behind its back while this process runs:
   * adds runs whose catalog write was lost, drops runs whose folder was deleted by hand (with a
   * notice). Only folders the catalog does not know are read.
   */
  async syncFolders(): Promise<void> {
    const dropped = await adoptAndDropFolders(this.catalog, this.dataDir);
    for (const id of dropped) {
      const message = `run ${id}: its folder was deleted outside the workbench; dropped from the list`;
      this.notices.push(notice('run-folder-missing', message));
    }
  }

  /**
   * Catches up with other processes writing this data dir (a terminal's `mot train`): syncs the
   * run folders and reads the catalog as they last saved it (they save under the data-dir lock).
   * Returns the records that are new or changed since the last call, except runs `skip` names
   * (this process trains them and reports them itself).
   */
  async syncFromDisk(skip: (id: string) => boolean = () => false): Promise<RunRecord[]> {
    await this.syncFolders();
    const changed: RunRecord[] = [];
    for (const run of this.catalog.runs) {
      if (skip(run.id) || this.seenUpdates.get(run.id) === run.updatedAt) continue;
      this.seenUpdates.set(run.id, run.updatedAt);
      changed.push(structuredClone(run));
    }
    return changed;
  }

  /**
   * Metric records (see RunFiles); a torn last line in the file of a run nobody trains (a crash
   * cut a write short) is reported once as a notice: resuming the run drops it.
   */
  override readMetrics(id: string, sinceStep?: number): JsonLinesRead<object> {
    const read = super.readMetrics(id, sinceStep);
    if (read.tornTail && !this.tornReported.has(id) && this.owners.liveOwner(id) === undefined) {
      this.tornReported.add(id);
      const message = `run ${id}: the last line of metrics.jsonl is torn (a write cut short by a crash) and is left out; resuming the run drops it`;
      this.notices.push(notice('metrics-torn', message));
    }
    return read;
  }

  /** All runs, newest first (by creation time, then id: ids only resolve to the second). */
  list(): RunRecord[] {
    return [...this.catalog.runs]
      .sort((a, b) => compareIds(b.createdAt, a.createdAt) || compareIds(b.id, a.id))
      .map((run) => structuredClone(run));
  }

  get(id: string): RunRecord {
    const run = this.catalog.findRun(assertRunId(id));
    if (run === undefined) throw new StoreError('not_found', `no run ${id}`);
    return structuredClone(run);
  }

  /**
   * Applies `patch` (a key set to undefined is removed) and bumps updatedAt (always set by the
   * store, so it only grows; a given value is ignored), writing run.json first and then the
   * catalog; on reopen the newer of the two wins, so a crash between them loses nothing.
   */
  async update(id: string, patch: RunPatch): Promise<RunRecord> {
    assertRunId(id);
    const unknownKeys = Object.keys(patch).filter((key) => !PATCHABLE.has(key));
    if (unknownKeys.length > 0)
      throw new StoreError('invalid', `cannot update ${unknownKeys.join(', ')} of a run`);
    return this.catalog.transact(async (draft) => {
      const index = draft.runs.findIndex((run) => run.id === id);
      const current = draft.runs[index];
      if (current === undefined) throw new StoreError('not_found', `no run ${id}`);
      const merged: Record<string, unknown> = {
        ...current,
        ...patch,
        id,
        createdAt: current.createdAt,
      };
      merged['updatedAt'] = nextTimestamp(current.updatedAt);
      for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
      const record = parseRunRecord(merged, `update run ${id}`);
      await this.writeRunFile(record);
      draft.runs[index] = record;
      return structuredClone(record);
    });
  }

  /** Removes the run: its folder is first renamed to a tombstone, so a crash mid-delete finishes on reopen. */
  async delete(id: string): Promise<void> {
    assertRunId(id);
    const tombstone = await this.catalog.transact(async (draft) => {
      const index = draft.runs.findIndex((run) => run.id === id);
      if (index < 0) throw new StoreError('not_found', `no run ${id}`);
      const owner = this.owners.liveOwner(id);
      if (owner !== undefined && BUSY.has(draft.runs[index]?.status ?? ''))
        throw new StoreError('conflict', `run ${id} is being trained (process ${owner.pid})`);
      const target = tombstonePath(this.dataDir, id);
      let moved = true;
      try {
        await fs.rename(this.runDir(id), target);
        await fsyncDir(runsDirOf(this.dataDir));
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw asStoreError(error, `delete run ${id}`);
        moved = false;
      }
      draft.runs.splice(index, 1);
      return moved ? target : undefined;
    });
    if (tombstone !== undefined) await fs.rm(tombstone, { recursive: true, force: true });
  }

  /**
   * Runs still `running`, `paused` or `queued` whose owner is gone (SIGKILLed, crashed, the
   * machine restarted) become `interrupted`, resumable from their last checkpoint. A run a live
   * process owns (a terminal's `mot train`, another app) is left alone. Returns the ids marked.
   */
  async markInterrupted(): Promise<string[]> {
    return this.catalog.transact(async (draft) => {
      const ids: string[] = [];
      for (const [index, run] of draft.runs.entries()) {
        if (!BUSY.has(run.status) || this.owners.liveOwner(run.id) !== undefined) continue;
        const record: RunRecord = {
          ...run,
          status: 'interrupted',
          updatedAt: nextTimestamp(run.updatedAt),
        };
        await this.writeRunFile(record);
        // The dead owner's record would only mislead (under the lock, so nobody claims meanwhile).
        await removeOwner(this.runDir(run.id));
        draft.runs[index] = record;
        ids.push(run.id);
      }
      return ids;
    });
  }

  /** App settings kept in the catalog. */
  settings(): Record<string, unknown> {
    return structuredClone({ ...this.catalog.settings });
  }

  /** Merges `patch` into the settings; a key set to undefined is removed. */
  async updateSettings(patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.catalog.transact((draft) => {
      const next: Record<string, unknown> = JSON.parse(
        JSON.stringify({ ...draft.settings, ...patch }),
      ) as Record<string, unknown>;
      draft.settings = next;
      return structuredClone(next);
    });
  }

  /** Resolves once every queued catalog change and checkpoint write is on disk. */
  async flush(): Promise<void> {
    await this.catalog.flush();
    await this.flushCheckpoints();
  }

  /**
   * The folder of a run this process may write to: listed in the catalog, or (for a process
   * that opened the store before the run was created) present on disk with its run.json.
   */
  protected knownRunDir(id: string): string {
    const dir = this.runDir(id);
    if (this.catalog.findRun(id) === undefined && !existsSync(path.join(dir, RUN_FILE))) {
      throw new StoreError('not_found', `no run ${id}`);
    }
    return dir;
  }

  private async writeRunFile(record: RunRecord): Promise<void> {
    await writeFileDurable(path.join(this.runDir(record.id), RUN_FILE), recordJson(record)).catch(
      (error: unknown) => {
        throw asStoreError(error, `write run.json of run ${record.id}`);
      },
    );
  }
}
