/**
 * The files inside one run's folder: config.json, metrics.jsonl, snapshots, checkpoints and
 * log.txt. The trainer of a run writes them (its process alone: see ownership.ts); anyone
 * reads them. Every id is checked before it is joined into a path, and file-system failures
 * become {@link StoreError}s.
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
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
import { writeFileDurable } from './durable';
import { StoreError, asStoreError } from './errors';
import {
  type AppendOptions,
  type JsonLinesRead,
  JsonLinesFollowers,
  appendJsonLines,
} from './metrics-log';
import {
  CHECKPOINTS_DIR,
  CONFIG_FILE,
  LOG_FILE,
  METRICS_FILE,
  SNAPSHOTS_DIR,
  runDirOf,
} from './run-folders';
import { type LogTail, readLogTail } from './run-log';
import { listSnapshotFileSteps, readSnapshotFile, writeSnapshotFile } from './snapshots';
import { assertStep, stepName } from './steps';

export abstract class RunFiles {
  private readonly checkpointQueues = new Map<string, Promise<unknown>>();
  /** metrics.jsonl of recently read runs, parsed as they grow (each read parses only what is new). */
  private readonly metricsFollowers = new JsonLinesFollowers<object>();

  protected constructor(readonly dataDir: string) {}

  /**
   * The folder of a run this process may use; throws `not_found` for an unknown run. The
   * subclass decides what "known" means (listed in the catalog or present on disk).
   */
  protected abstract knownRunDir(id: string): string;

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
    const read = this.metricsFollowers.read(file);
    if (sinceStep === undefined) return read;
    const records = read.records.filter((record) => {
      const step: unknown = (record as { step?: unknown }).step;
      return typeof step === 'number' && step >= sinceStep;
    });
    return { ...read, records };
  }

  /**
   * Drops metric records past `throughStep`, and any damaged line, rewriting the file durably.
   * A run resumed from a checkpoint calls this first: steps it trained after that checkpoint,
   * before a crash, will be retrained. Returns what was damaged, for the run's log.
   */
  async truncateMetrics(
    id: string,
    throughStep: number,
  ): Promise<Pick<JsonLinesRead<object>, 'skipped' | 'tornTail'>> {
    const file = path.join(this.knownRunDir(id), METRICS_FILE);
    const { records, skipped, tornTail } = this.readMetrics(id);
    const kept = records.filter((r) => ((r as { step?: number }).step ?? 0) <= throughStep);
    await writeFileDurable(file, kept.map((r) => `${JSON.stringify(r)}\n`).join('')).catch(
      (error: unknown) => {
        throw asStoreError(error, `rewrite ${file}`);
      },
    );
    return { skipped, tornTail };
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

  /** Steps with a complete checkpoint, ascending (complete: not yet verified, see readCheckpoint). */
  listCheckpoints(id: string): number[] {
    return listCheckpointSteps(path.join(this.knownRunDir(id), CHECKPOINTS_DIR));
  }

  /**
   * Reads a checkpoint and verifies it (sizes and the tensors' sha256): a damaged one is an
   * `invalid` error that names the run and step.
   */
  readCheckpoint(id: string, step: number): Checkpoint {
    const dir = this.checkpointDir(id, step);
    try {
      return readCheckpointDir(dir);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'invalid') {
        throw new StoreError(
          'invalid',
          `the checkpoint at step ${step} of run ${id} is damaged: ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** A checkpoint's meta without its tensors (unverified: for summaries). */
  readCheckpointMeta(id: string, step: number): object {
    return readCheckpointMetaDir(this.checkpointDir(id, step));
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

  /** Resolves once every queued checkpoint write is on disk. */
  protected async flushCheckpoints(): Promise<void> {
    await Promise.all(this.checkpointQueues.values());
  }

  private checkpointDir(id: string, step: number): string {
    const dir = findCheckpointDir(
      path.join(this.knownRunDir(id), CHECKPOINTS_DIR),
      assertStep(step),
    );
    if (dir === undefined)
      throw new StoreError('not_found', `run ${id} has no checkpoint at step ${step}`);
    return dir;
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
