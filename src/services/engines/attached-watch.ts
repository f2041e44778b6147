/**
 * Attached run folders (attach.ts) grow while something else trains them: a cluster job writing
 * through a synced folder, a torchrun on this machine. Nothing reports those steps, so the
 * workbench polls: every few seconds, for each attached run that is not training here, the new
 * complete lines of metrics.jsonl become a `runProgress` event (the Monitor draws them live) and
 * the run's record follows (last step, tokens, best validation loss, the last train loss as its
 * final train loss, completed at the last step); new lines of log.txt become `runLog` events.
 */
import { closeSync, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { TRAINED_ELSEWHERE_MS } from '../../core/api/run-record';
import type { EvalRecord, MetricRecord, TrainRecord } from '../../core/train/metrics';
import type { Emit } from '../events';
import type { RunPatch, RunStore } from '../store';

export const ATTACHED_POLL_MS = 3000;

export class AttachedRunWatcher {
  /** Bytes of metrics.jsonl already seen, per run. */
  private readonly offsets = new Map<string, number>();
  /** Bytes of log.txt already seen, per run. */
  private readonly logOffsets = new Map<string, number>();
  /** When each run's metrics.jsonl last grew: its modification time when new lines were read. */
  private readonly grewAt = new Map<string, number>();
  private readonly timer: ReturnType<typeof setInterval>;
  private polling = false;

  constructor(
    private readonly store: RunStore,
    private readonly emit: Emit,
    /** True while this process trains the run (its own progress events cover it). */
    private readonly isTraining: (runId: string) => boolean,
    intervalMs = ATTACHED_POLL_MS,
  ) {
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  /** One pass over the attached runs; exposed for tests. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const run of this.store.list()) {
        if (!isLink(this.store.runDir(run.id)) || this.isTraining(run.id)) continue;
        for (const line of this.newLogLines(run.id)) this.emit('runLog', { runId: run.id, line });
        const records = this.newRecords(run.id);
        if (records.length === 0) continue;
        this.emit('runProgress', { runId: run.id, records });
        const record = await this.store
          .update(run.id, this.patchFor(run.id, records))
          .catch(() => undefined);
        // The new figures and "training elsewhere" (or completed) reach every page.
        if (record) this.emit('runStatus', { runId: run.id, status: record.status, record });
      }
    } finally {
      this.polling = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  /**
   * Milliseconds since the run's attached folder last grew, when that is under
   * TRAINED_ELSEWHERE_MS (something else is training it), else undefined.
   */
  trainedElsewhere(runId: string, now = Date.now()): number | undefined {
    const at = this.grewAt.get(runId);
    return at !== undefined && now - at < TRAINED_ELSEWHERE_MS ? Math.max(0, now - at) : undefined;
  }

  /**
   * Complete lines appended since the last look. The first look (and the one after a rewrite: a
   * resume truncates the file) reads the whole file and keeps what is past the record's last
   * step: steps written between `mot attach` and this process's first look are not lost.
   */
  private newRecords(runId: string): MetricRecord[] {
    const seen = this.offsets.get(runId);
    const read = readCompleteLines(path.join(this.store.runDir(runId), 'metrics.jsonl'), seen);
    if (read === null) {
      this.offsets.set(runId, 0); // not written yet: everything it gets is new
      return [];
    }
    this.offsets.set(runId, read.end);
    const records = parseLines(read.lines);
    if (records.length > 0) this.grewAt.set(runId, read.mtimeMs);
    if (!read.fromStart || seen === 0) return records;
    const lastStep = this.store.get(runId).lastStep;
    return records.filter((record) => record.step > lastStep);
  }

  /** Lines log.txt gained since the last look; the first look marks the place (readLog has them). */
  private newLogLines(runId: string): string[] {
    const file = path.join(this.store.runDir(runId), 'log.txt');
    const seen = this.logOffsets.get(runId);
    if (seen === undefined) {
      this.logOffsets.set(runId, readCompleteLines(file, undefined)?.end ?? 0);
      return [];
    }
    const read = readCompleteLines(file, seen);
    if (read === null) return [];
    this.logOffsets.set(runId, read.end);
    return read.fromStart && seen > 0 ? [] : read.lines.filter((line) => line.trim() !== '');
  }

  private patchFor(runId: string, records: MetricRecord[]): RunPatch {
    const record = this.store.get(runId);
    const last = records.at(-1)!;
    const evals = records.filter((r): r is EvalRecord => r.type === 'eval');
    const lastTrain = records.filter((r): r is TrainRecord => r.type === 'train').at(-1);
    const best = Math.min(
      record.bestValidationLoss ?? Infinity,
      ...evals.map((e) => e.validationLoss),
    );
    let steps = Infinity;
    try {
      steps = (this.store.readConfig(runId) as { train: { steps: number } }).train.steps;
    } catch {
      // An unreadable config leaves the status alone.
    }
    const grewAt = this.grewAt.get(runId);
    return {
      lastStep: last.step,
      tokensSeen: last.tokens,
      ...(grewAt !== undefined && { grewElsewhereAt: new Date(grewAt).toISOString() }),
      elapsedMs: last.elapsedMs,
      ...(Number.isFinite(best) && { bestValidationLoss: best }),
      ...(lastTrain && { finalTrainLoss: lastTrain.lmLoss }),
      ...(last.step >= steps && { status: 'completed' as const }),
    };
  }
}

function isLink(dir: string): boolean {
  try {
    return lstatSync(dir).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The complete lines of `file` from byte `from` on (all of it when `from` is undefined or past
 * the end: a first look, or a file rewritten shorter), where they end, and the file's mtime;
 * null when the file does not exist.
 */
function readCompleteLines(
  file: string,
  from: number | undefined,
): { lines: string[]; end: number; fromStart: boolean; mtimeMs: number } | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const { size, mtimeMs } = fstatSync(fd);
    const fromStart = from === undefined || size < from;
    const start = fromStart ? 0 : from;
    const bytes = Buffer.alloc(size - start);
    readSync(fd, bytes, 0, bytes.length, start);
    const text = bytes.toString('utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    return {
      lines: complete.split('\n').slice(0, -1),
      end: start + Buffer.byteLength(complete),
      fromStart,
      mtimeMs,
    };
  } finally {
    closeSync(fd);
  }
}

/** The JSON records among `lines`; a line that does not parse is skipped. */
function parseLines(lines: string[]): MetricRecord[] {
  return lines
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as MetricRecord];
      } catch {
        return [];
      }
    });
}
