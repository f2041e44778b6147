/**
 * The messages between the run manager (parent) and one training process (child). They are
 * small and plain (structured-clone / JSON safe) so the same protocol travels over Node's
 * `child_process` IPC and Electron's `utilityProcess` ports.
 *
 * Ownership: the child writes only its run's own files (metrics, snapshots, checkpoints, log);
 * every change to the run's catalog record travels up as a `patch`, because the parent is the
 * catalog's only writer (see RunStore).
 */
import type { MetricRecord } from '../../core/train/metrics';
import type { TrainSummary } from '../../core/train/trainer';
import type { RunPatch } from '../store';

/** Parent -> child. */
export type ParentMessage =
  /**
   * Train `runId` of the store in `dataDir`; `resume` continues from its last checkpoint.
   * `concurrentRuns`: how many runs the parent trains at once (for `train.workers: auto`).
   */
  | { type: 'start'; dataDir: string; runId: string; resume: boolean; concurrentRuns?: number }
  /** Hold after the current step, keeping the model and optimizer state in memory. */
  | { type: 'pause' }
  | { type: 'resume' }
  /** End after the current step with a final checkpoint. */
  | { type: 'stop' }
  /** The parent has recorded the outcome: exit now. */
  | { type: 'exit' };

/** Child -> parent. */
export type ChildMessage =
  /** The process is up and listening; the parent sends `start` after this. */
  | { type: 'ready' }
  /** Metric records since the last progress message (sent about 10 times a second at most). */
  | { type: 'progress'; records: MetricRecord[] }
  /** A change to the run's catalog record, for the parent to write. */
  | { type: 'patch'; patch: RunPatch }
  /** A line the child appended to the run's log.txt. */
  | { type: 'log'; line: string }
  /** Training ended (completed or stopped); the final patch came before this. */
  | { type: 'done'; summary: TrainSummary }
  /** Training failed; the `failed` patch came before this. */
  | { type: 'failed'; message: string };

const CHILD_TYPES = new Set<ChildMessage['type']>([
  'ready',
  'progress',
  'patch',
  'log',
  'done',
  'failed',
]);
const PARENT_TYPES = new Set<ParentMessage['type']>(['start', 'pause', 'resume', 'stop', 'exit']);

/**
 * A cheap shape check at the boundary. Both ends are our code, so this guards against a stray
 * message (a library writing to the IPC channel), not against an adversary.
 */
export function isChildMessage(value: unknown): value is ChildMessage {
  return hasType(value) && CHILD_TYPES.has(value.type as ChildMessage['type']);
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return hasType(value) && PARENT_TYPES.has(value.type as ParentMessage['type']);
}

function hasType(value: unknown): value is { type: unknown } {
  return typeof value === 'object' && value !== null && 'type' in value;
}
