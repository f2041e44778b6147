/** What the workbench knows about a run: shared by the store (Node) and the UI (browser). */

export const RUN_STATUSES = [
  'created',
  'queued',
  'running',
  'paused',
  'completed',
  'stopped',
  'failed',
  'interrupted',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRecord {
  /** Sortable and unique: UTC creation time plus 4 random hex chars, e.g. `20261129-044512-ab12`. */
  id: string;
  name: string;
  status: RunStatus;
  /** ISO 8601, UTC. */
  createdAt: string;
  updatedAt: string;
  /** A short label of the FFN, e.g. `mot g8 E8`, given by the caller. */
  ffnSummary: string;
  /** Set on a fork: the run and checkpoint step it started from. */
  parent?: { runId: string; step: number };
  tags: string[];
  notes: string;
  lastStep: number;
  tokensSeen: number;
  /**
   * Tokens in the training split (set when training starts): tokensSeen / trainSplitTokens is
   * the number of passes over the training text. Absent on runs recorded before it was kept.
   */
  trainSplitTokens?: number;
  /**
   * Training time so far, pauses and queueing excluded: the trainer's own clock, as of the last
   * checkpoint, pause or end. Absent on runs recorded before it was kept (and on runs that never
   * trained). Not `updatedAt - createdAt`, which counts time spent queued, paused or stopped.
   */
  elapsedMs?: number;
  bestValidationLoss?: number;
  finalTrainLoss?: number;
  error?: string;
  /**
   * Attached runs only: when their folder last grew (ISO), something else (a cluster job, a
   * torchrun) writing it. Within TRAINED_ELSEWHERE_MS of it the run is being trained elsewhere.
   */
  grewElsewhereAt?: string;
}

/**
 * How long after an attached folder last grew it counts as trained elsewhere: starting it here
 * then would put two trainers on one folder. A minute covers a slow evaluation or a synced
 * folder that lands in bursts.
 */
export const TRAINED_ELSEWHERE_MS = 60_000;

/** True while something outside the workbench trains this (attached, unfinished) run. */
export function isTrainingElsewhere(record: RunRecord, now = Date.now()): boolean {
  if (record.grewElsewhereAt === undefined || record.status === 'completed') return false;
  return now - Date.parse(record.grewElsewhereAt) < TRAINED_ELSEWHERE_MS;
}

/**
 * Only digits, dashes and hex: an id that matches can be joined into a path without escaping
 * the data folder.
 */
export const RUN_ID_PATTERN = /^[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$/;
