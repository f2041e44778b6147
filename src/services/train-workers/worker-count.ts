/**
 * How many data-parallel worker threads a run trains with: `train.workers` as configured, or for
 * `auto` the cores this run may use: the cores this process may run on (its CPU affinity) shared
 * among the runs that train at once, rounded down to a count that splits the batch (whole MoT
 * groups per worker). A resume of an `auto` run uses the count its checkpoint recorded, so it
 * continues the same computation whatever the machine's load or concurrency is now.
 */
import { availableParallelism } from 'node:os';
import type { RunConfig } from '../../core/config';
import { workerSplitProblem } from '../../core/train/data-parallel';
import type { TfjsBackendName } from '../backends';

export interface WorkerCountContext {
  /** The backend the run trains on: worker threads run wasm and cpu only. */
  backend: TfjsBackendName;
  /** Runs training at once in this workbench (the run manager's concurrency); default 1. */
  concurrentRuns?: number;
  /** Cores this process may use (default: Node's availableParallelism(), which honours affinity). */
  cores?: number;
  /** The count the checkpoint being resumed trained with (absent: 1, or no checkpoint). */
  recorded?: number;
  /** Whether a checkpoint is being resumed. */
  resuming?: boolean;
}

export interface WorkerCount {
  workers: number;
  /** Why this many, for the run's log. */
  reason: string;
}

export function workerCount(config: RunConfig, context: WorkerCountContext): WorkerCount {
  const requested = config.train.workers ?? 1;
  const threadable = context.backend === 'wasm' || context.backend === 'cpu';
  if (requested !== 'auto') {
    if (requested > 1 && !threadable)
      throw new Error(
        `train.workers ${requested} needs the wasm or cpu backend; this run trains on ${context.backend}`,
      );
    return {
      workers: requested,
      reason: config.train.workers === undefined ? 'train.workers not set' : 'train.workers',
    };
  }
  if (context.resuming)
    return {
      workers: context.recorded ?? 1,
      reason: 'auto, as the checkpoint being resumed recorded',
    };
  if (!threadable) return { workers: 1, reason: `auto: ${context.backend} uses its own threads` };
  const cores = Math.max(1, context.cores ?? availableParallelism());
  const runs = Math.max(1, context.concurrentRuns ?? 1);
  const budget = Math.max(1, Math.floor(cores / runs));
  const m = config.model;
  const groupSize = m.ffn === 'mot' ? m.mot.groupSize : null;
  let workers = budget;
  while (workers > 1 && workerSplitProblem(config.train.batchSize, workers, groupSize)) workers--;
  const split = workers < budget ? `, the most that split batch ${config.train.batchSize}` : '';
  return {
    workers,
    reason: `auto: ${cores} core(s) for ${runs} concurrent run(s)${split}`,
  };
}
