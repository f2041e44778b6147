/** Short descriptions of runs for tables and headers. */
import type { RunRecord, RunStatus } from '../../../core/api/run-record';
import type { RunConfig } from '../../../core/config';
import { formatCount, formatNumber } from './format';

/**
 * "d128 · 4 blocks · T64 · B32 · lr 0.002 · 1.5k steps · bytes · brown", then the engine when
 * the config names one ("torch × 2 processes"); `auto` says nothing, as it picks per machine.
 */
export function keySettings(config: RunConfig): string {
  const { model, train, data } = config;
  const tokenizer =
    data.tokenizer.kind === 'bytes' ? 'bytes' : `BPE ${formatCount(data.tokenizer.vocabSize)}`;
  const corpus =
    data.corpus.kind === 'builtin'
      ? data.corpus.name
      : data.corpus.kind === 'dataset'
        ? data.corpus.id
        : fileName(data.corpus.path);
  return [
    `d${model.dModel}`,
    `${model.layers} block${model.layers === 1 ? '' : 's'}`,
    `T${model.contextLength}`,
    `B${train.batchSize}`,
    `lr ${formatNumber(train.learningRate, 3)}`,
    `${formatCount(train.steps)} steps`,
    tokenizer,
    corpus,
    ...engine(config),
  ].join(' · ');
}

/**
 * The engine the config chose: [] for backend auto (it picks per machine), else ["wasm"],
 * ["torch × 2 processes"]; worker threads of the embedded engine as "× 2 workers" (or "workers
 * auto", which a run resolves at start), with or without a named backend.
 */
function engine(config: RunConfig): string[] {
  const { processes = 1, workers = 1 } = config.train;
  const threads = workers === 'auto' ? 'workers auto' : workers > 1 ? `× ${workers} workers` : '';
  if (config.backend === 'auto') return threads ? [threads] : [];
  if (processes > 1) return [`${config.backend} × ${processes} processes`];
  return [threads ? `${config.backend} ${threads}` : config.backend];
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export const ACTIVE_STATUSES: RunStatus[] = ['running', 'queued', 'paused'];

/**
 * How long a run has trained: the trainer's own clock (pauses, queueing and time stopped left
 * out), kept on the record at checkpoints, pauses and the end, and moved on live by progress
 * events. Undefined for runs recorded before the workbench kept it.
 */
export function trainedMs(record: RunRecord): number | undefined {
  return record.elapsedMs;
}

/** What the start button says for a run in this status, or null when it cannot start. */
export function startLabel(status: RunStatus, hasCheckpoint: boolean): string | null {
  switch (status) {
    case 'created':
      return 'Start';
    case 'stopped':
    case 'interrupted':
    case 'failed':
      // Without a checkpoint the trainer starts over, dropping the steps it had recorded.
      return hasCheckpoint ? 'Resume from checkpoint' : 'Start over';
    default:
      return null;
  }
}
