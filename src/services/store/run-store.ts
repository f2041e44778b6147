/**
 * RunStore: the one API the rest of the app (main process, CLI, server, trainer) uses for runs
 * on disk. It keeps the catalog and each run's `run.json` in step, checks every run id before
 * it touches a path, and turns file-system failures into {@link StoreError}s.
 *
 * Writers: one process (the app, or the CLI/server when the app is not running) owns the
 * catalog: create, update, delete, markInterrupted, updateSettings. The trainer of a run may
 * open its own RunStore with `repair: false` and write that run's metrics, snapshots,
 * checkpoints and log; checkpoints of one run must have one writer.
 */
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as v from 'valibot';
import { type CatalogOpenReport, Catalog } from './catalog';
import {
  type Checkpoint,
  type TensorInput,
  findCheckpointDir,
  listCheckpointSteps,
  readCheckpointDir,
  readCheckpointMetaDir,
  tidyCheckpointsDir,
  writeCheckpointDir,
} from './checkpoint';
import { fsyncDir, writeDirDurable, writeFileDurable } from './durable';
import { StoreError, errnoCode } from './errors';
import {
  type AppendOptions,
  type JsonLinesRead,
  appendJsonLines,
  readJsonLines,
} from './metrics-log';
import {
  CHECKPOINTS_DIR,
  CONFIG_FILE,
  LOG_FILE,
  METRICS_FILE,
  RUN_FILE,
  SNAPSHOTS_DIR,
  compareIds,
  removeLeftovers,
  runDirOf,
  readRunFile,
  runsDirOf,
  scanRunFolders,
  tombstonePath,
} from './run-folders';
import {
  type RunRecord,
  RUN_ID_PATTERN,
  assertRunId,
  isRunId,
  newRunId,
  parseRunRecord,
} from './run-record';
import { type LogTail, readLogTail } from './run-log';
import { StudyStore } from './study-store';
import { listSnapshotFileSteps, readSnapshotFile, writeSnapshotFile } from './snapshots';
import { assertStep, stepName } from './steps';

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
  /** Write repairs to disk on open (default). False for processes that do not own the catalog. */
  repair?: boolean;
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const CreateInputSchema = v.object({
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'a run needs a name')),
  config: v.unknown(),
  ffnSummary: v.string(),
  parent: v.optional(v.object({ runId: v.pipe(v.string(), v.regex(RUN_ID_PATTERN)), step: count })),
  tags: v.optional(v.array(v.string()), []),
});

const PATCHABLE = new Set<string>([
  'name',
  'status',
  'updatedAt',
  'ffnSummary',
  'parent',
  'tags',
  'notes',
  'lastStep',
  'tokensSeen',
  'trainSplitTokens',
  'elapsedMs',
  'bestValidationLoss',
  'finalTrainLoss',
  'error',
]);

/** A record id collision in one second is 1 in 65536; a few retries make it impossible in practice. */
const ID_ATTEMPTS = 8;

export class RunStore {
  private readonly checkpointQueues = new Map<string, Promise<unknown>>();

  /** The studies kept in the same catalog (one writer, one chain of changes). */
  readonly studies: StudyStore;

  private constructor(
    readonly dataDir: string,
    private readonly catalog: Catalog,
  ) {
    this.studies = new StudyStore(catalog);
  }

  /** Opens (creating if needed) the store in `dataDir`, repairing what a crash left behind. */
  static async open(dataDir: string, options: RunStoreOpenOptions = {}): Promise<RunStore> {
    const dir = path.resolve(dataDir);
    const repair = options.repair ?? true;
    await fs.mkdir(runsDirOf(dir), { recursive: true });
    const scan = await scanRunFolders(dir);
    const catalog = await Catalog.open(dir, { repair, scan });
    if (repair) await removeLeftovers(scan);
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
          await writeDirDurable(runDirOf(this.dataDir, id), {
            [CONFIG_FILE]: configText,
            [RUN_FILE]: recordJson(record),
          });
        } catch (error) {
          if (error instanceof StoreError && error.code === 'conflict' && attempt < ID_ATTEMPTS)
            continue;
          throw asStoreError(error, `create run ${id}`);
        }
        draft.runs.push(record);
        return structuredClone(record);
      }
    });
  }

  /** All runs, newest first (by creation time, then id: ids only resolve to the second). */
  /**
   * Adds runs another process created in this data dir since the catalog was read (a `mot train`
   * in a terminal while the app is open), so they appear without a restart. Only folders the
   * catalog does not know are read.
   */
  async adoptNewRunFolders(): Promise<RunRecord[]> {
    const known = new Set(this.catalog.runs.map((run) => run.id));
    const runsDir = runsDirOf(this.dataDir);
    const names = await fs.readdir(runsDir).catch(() => [] as string[]);
    const found: RunRecord[] = [];
    for (const name of names) {
      if (!isRunId(name) || known.has(name)) continue;
      const record = await readRunFile(path.join(runsDir, name), name);
      if (record) found.push(record);
    }
    if (found.length === 0) return [];
    return this.catalog.transact((draft) => {
      // A run this process created meanwhile is already there (create holds the transaction).
      const added = found.filter((record) => !draft.runs.some((run) => run.id === record.id));
      draft.runs.push(...added);
      draft.runs.sort((a, b) => compareIds(a.id, b.id));
      return added;
    });
  }

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
   * store, so it only grows; a given value is ignored), writing run.json
   * first and then the catalog; on reopen the newer of the two wins, so a crash between them
   * loses nothing.
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

  /** The folder of run `id`; the id is checked, so the path never leaves the data folder. */
  runDir(id: string): string {
    return runDirOf(this.dataDir, id);
  }

  readConfig(id: string): unknown {
    const file = path.join(this.knownRunDir(id), CONFIG_FILE);
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch (error) {
      throw asStoreError(error, `read ${file}`);
    }
  }

  /** Appends metric records (each with a numeric `step`) to metrics.jsonl in one write. */
  async appendMetrics(
    id: string,
    records: readonly object[],
    options?: AppendOptions,
  ): Promise<void> {
    const file = path.join(this.knownRunDir(id), METRICS_FILE);
    await appendJsonLines(file, records, options).catch((error: unknown) => {
      throw asStoreError(error, `append to ${file}`);
    });
  }

  /** Metric records with `step >= sinceStep` (all when omitted); damaged lines are counted, not thrown. */
  readMetrics(id: string, sinceStep?: number): JsonLinesRead<object> {
    const file = path.join(this.knownRunDir(id), METRICS_FILE);
    if (sinceStep === undefined) return readJsonLines<object>(file);
    return readJsonLines<object>(file, (record) => {
      const step: unknown = (record as { step?: unknown }).step;
      return typeof step === 'number' && step >= sinceStep;
    });
  }

  /**
   * Drops metric records past `throughStep` (rewritten durably). A run resumed from a checkpoint
   * calls this first: steps it trained after that checkpoint, before a crash, will be retrained.
   */
  async truncateMetrics(id: string, throughStep: number): Promise<void> {
    const file = path.join(this.knownRunDir(id), METRICS_FILE);
    const { records } = this.readMetrics(id);
    const kept = records.filter((r) => ((r as { step?: number }).step ?? 0) <= throughStep);
    await writeFileDurable(file, kept.map((r) => `${JSON.stringify(r)}\n`).join('')).catch(
      (error: unknown) => {
        throw asStoreError(error, `rewrite ${file}`);
      },
    );
  }

  async writeSnapshot(id: string, step: number, snapshot: object): Promise<void> {
    const dir = path.join(this.knownRunDir(id), SNAPSHOTS_DIR);
    await writeSnapshotFile(dir, assertStep(step), snapshot).catch((error: unknown) => {
      throw asStoreError(error, `write snapshot ${step} of run ${id}`);
    });
  }

  listSnapshotSteps(id: string): number[] {
    return listSnapshotFileSteps(path.join(this.knownRunDir(id), SNAPSHOTS_DIR));
  }

  readSnapshot(id: string, step: number): object {
    return readSnapshotFile(path.join(this.knownRunDir(id), SNAPSHOTS_DIR), assertStep(step));
  }

  /**
   * Writes `checkpoints/step-<step>/` (meta.json + tensors.bin) atomically; an existing step is
   * replaced without ever being absent to readers. Writes of one run are queued in order.
   */
  async writeCheckpoint(
    id: string,
    step: number,
    meta: object,
    tensors: readonly TensorInput[],
  ): Promise<void> {
    const dir = path.join(this.knownRunDir(id), CHECKPOINTS_DIR);
    assertStep(step);
    await this.queueCheckpointWrite(id, async () => {
      await tidyCheckpointsDir(dir);
      await writeCheckpointDir(path.join(dir, stepName(step)), step, meta, tensors);
    }).catch((error: unknown) => {
      throw asStoreError(error, `write checkpoint ${step} of run ${id}`);
    });
  }

  /** Steps with a complete checkpoint, ascending. */
  listCheckpoints(id: string): number[] {
    return listCheckpointSteps(path.join(this.knownRunDir(id), CHECKPOINTS_DIR));
  }

  /** Reads a checkpoint and checks its sizes; a truncated tensors.bin is an `invalid` error. */
  readCheckpoint(id: string, step: number): Checkpoint {
    const dir = findCheckpointDir(
      path.join(this.knownRunDir(id), CHECKPOINTS_DIR),
      assertStep(step),
    );
    if (dir === undefined)
      throw new StoreError('not_found', `run ${id} has no checkpoint at step ${step}`);
    return readCheckpointDir(dir);
  }

  /** A checkpoint's meta without its tensors. */
  readCheckpointMeta(id: string, step: number): object {
    const dir = findCheckpointDir(
      path.join(this.knownRunDir(id), CHECKPOINTS_DIR),
      assertStep(step),
    );
    if (dir === undefined)
      throw new StoreError('not_found', `run ${id} has no checkpoint at step ${step}`);
    return readCheckpointMetaDir(dir);
  }

  async appendLog(id: string, line: string): Promise<void> {
    const file = path.join(this.knownRunDir(id), LOG_FILE);
    await fs
      .appendFile(file, line.endsWith('\n') ? line : `${line}\n`, 'utf8')
      .catch((error: unknown) => {
        throw asStoreError(error, `append to ${file}`);
      });
  }

  /** The last `tail` lines of the run's log.txt (none for a run that never wrote one). */
  readLog(id: string, tail: number): LogTail {
    const file = path.join(this.knownRunDir(id), LOG_FILE);
    try {
      return readLogTail(file, tail);
    } catch (error) {
      throw asStoreError(error, `read ${file}`);
    }
  }

  /**
   * At start-up, runs still `running`, `paused` or `queued` were cut off by a crash or quit
   * (a paused run lives in its training process): mark them `interrupted` (resumable from
   * their last checkpoint). Returns their ids; a second call finds none.
   */
  async markInterrupted(): Promise<string[]> {
    return this.catalog.transact(async (draft) => {
      const ids: string[] = [];
      for (const [index, run] of draft.runs.entries()) {
        if (run.status !== 'running' && run.status !== 'queued' && run.status !== 'paused')
          continue;
        const record: RunRecord = {
          ...run,
          status: 'interrupted',
          updatedAt: nextTimestamp(run.updatedAt),
        };
        await this.writeRunFile(record);
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

  /** Resolves once every queued catalog change is on disk. */
  async flush(): Promise<void> {
    await this.catalog.flush();
    await Promise.all(this.checkpointQueues.values());
  }

  /**
   * The folder of a run this process may write to: listed in the catalog, or (for a process
   * that opened the store before the run was created) present on disk with its run.json.
   */
  private knownRunDir(id: string): string {
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

  private queueCheckpointWrite(id: string, task: () => Promise<void>): Promise<void> {
    const next = (this.checkpointQueues.get(id) ?? Promise.resolve()).then(task);
    const settled = next.catch(() => undefined);
    this.checkpointQueues.set(id, settled);
    void settled.then(() => {
      if (this.checkpointQueues.get(id) === settled) this.checkpointQueues.delete(id);
    });
    return next;
  }
}

function recordJson(record: RunRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** Now, but strictly after `previous`, so the newer of catalog and run.json is always decidable. */
function nextTimestamp(previous: string): string {
  const floor = Date.parse(previous) + 1;
  return new Date(Number.isNaN(floor) ? Date.now() : Math.max(Date.now(), floor)).toISOString();
}

/** Keeps StoreErrors; a missing file or folder becomes `not_found`, anything else `io`. */
function asStoreError(error: unknown, action: string): StoreError {
  if (error instanceof StoreError) return error;
  if (errnoCode(error) === 'ENOENT')
    return new StoreError('not_found', `${action}: file or folder missing`, { cause: error });
  if (error instanceof SyntaxError)
    return new StoreError('invalid', `${action}: not valid JSON`, { cause: error });
  return new StoreError(
    'io',
    `${action}: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
