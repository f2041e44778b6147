/**
 * What the workbench knows about a study: shared by the store (Node), the API and the UI. A study
 * is a named set of runs made from one base config and a grid over chosen config paths; the runs
 * are ordinary runs (they train, fork and delete like any other), the study only remembers which
 * point of the grid each one is.
 */
import type { RunConfig } from '../config';
import type { StudyGrid } from '../study/grid';
import type { StudyReport } from '../study/report';
import type { RunRecord } from './run-record';

export interface StudyRun {
  runId: string;
  /** The grid values this run was made with, keyed by config path. */
  values: Record<string, unknown>;
}

export interface StudyRecord {
  /** Same shape as a run id (`20261129-044512-ab12`), so it is safe in paths and URLs. */
  id: string;
  name: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** The preset the base config started from, if one did. */
  preset?: string;
  baseConfig: RunConfig;
  grid: StudyGrid;
  /** In grid order (the first key varies fastest). */
  runs: StudyRun[];
}

/** Runs of a study by where they are: for a progress bar. */
export interface StudyProgress {
  total: number;
  completed: number;
  /** Queued, running or paused. */
  active: number;
  /** Failed, stopped or interrupted: they need a look. */
  halted: number;
  /** Deleted since the study made them. */
  missing: number;
}

export interface StudySummary {
  id: string;
  name: string;
  createdAt: string;
  preset?: string;
  grid: StudyGrid;
  runIds: string[];
  progress: StudyProgress;
}

export interface StudyRunDetail extends StudyRun {
  /** null once the run was deleted. */
  record: RunRecord | null;
  /** The last evaluation's validation loss. */
  finalValidationLoss: number | null;
  /** Its standard error over the validation batches (null when not recorded). */
  validationStdError: number | null;
}

export interface StudyDetail {
  study: StudyRecord;
  runs: StudyRunDetail[];
  progress: StudyProgress;
  report: StudyReport;
}

export type { StudyGrid, StudyReport };
