/**
 * Studies on the Node side: making a study's runs from a base config and a grid, and reading a
 * study back with its runs as they are now and its report. The API (which then queues the runs on
 * the run manager) and `mot study` (which trains them in-process, one after another) share it.
 */
import type {
  StudyDetail,
  StudyProgress,
  StudyRecord,
  StudyRunDetail,
  StudySummary,
} from '../core/api/study';
import { ConfigError, ffnSummary, type FfnKind, type RunConfig } from '../core/config';
import {
  expandGrid,
  pointLabel,
  trainingIdentity,
  usedValues,
  withSeeds,
  type GridIssue,
  type StudyGrid,
} from '../core/study/grid';
import { studyReport, type StudyRunOutcome } from '../core/study/report';
import type { EvalRecord, TrainRecord } from '../core/train/metrics';
import { StoreError, type RunRecord, type RunStore } from './store';

const NAME_MAX = 120;
const TAG_MAX = 40;

export interface CreateStudyInput {
  name: string;
  /** The validated base config every run starts from. */
  base: RunConfig;
  preset?: string;
  grid: StudyGrid;
  /**
   * Training seeds per point, added to the grid as `train.seed` (default 1, 2, 3) unless the
   * grid varies it already. The data seed stays the base config's: one split and validation
   * sample for the whole study.
   */
  seeds?: number[];
}

/**
 * Creates one run (status `created`) per grid point and records the study. Points that train the
 * same thing share one run (a dense baseline in a grid over MoT group sizes: see
 * trainingIdentity), so the study lists every point and names each run once. Every config is
 * checked before the first run is made; a ConfigError names the grid paths at fault. If making
 * the runs fails halfway, the runs made so far are deleted.
 */
export async function createStudy(store: RunStore, input: CreateStudyInput): Promise<StudyRecord> {
  if (input.seeds !== undefined && 'train.seed' in input.grid)
    throw new ConfigError([
      { path: 'seeds', message: 'the grid varies train.seed already: give the seeds one way' },
    ]);
  const grid = withSeeds(input.grid, input.seeds);
  const { points, issues } = expandGrid(input.base, grid);
  issues.push(
    ...fileCorpusIssues(
      grid,
      points.map((p) => p.config),
    ),
  );
  if (issues.length > 0) throw new ConfigError(issues);

  const made: RunRecord[] = [];
  const byIdentity = new Map<string, string>();
  try {
    const runs = [];
    for (const point of points) {
      const identity = trainingIdentity(point.config);
      let runId = byIdentity.get(identity);
      if (runId === undefined) {
        const label = pointLabel(usedValues(point.values, point.config.model.ffn));
        const name = `${input.name} · ${label}`.slice(0, NAME_MAX);
        const config = { ...point.config, name };
        const record = await store.create({
          name,
          config,
          ffnSummary: ffnSummary(config.model),
          tags: ['study', `study:${input.name}`.slice(0, TAG_MAX)],
        });
        made.push(record);
        runId = record.id;
        byIdentity.set(identity, runId);
      }
      runs.push({ runId, values: point.values });
    }
    return await store.studies.add({
      name: input.name,
      ...(input.preset !== undefined && { preset: input.preset }),
      baseConfig: input.base,
      grid,
      runs,
    });
  } catch (error) {
    for (const run of made) await store.delete(run.id).catch(() => {});
    throw error;
  }
}

/**
 * The study now: its runs (each once, with the grid values it uses), their progress, and the
 * report, which pairs runs point by point (a shared dense run stands in every point it serves).
 */
export function studyDetail(store: RunStore, study: StudyRecord): StudyDetail {
  const runs = study.runs.map((run): StudyRunDetail & { flops: number; tokens: number } => {
    const record = findRun(store, run.runId);
    const last = record === null ? undefined : lastRecords(store, run.runId);
    return {
      ...run,
      record,
      finalValidationLoss: last?.eval?.validationLoss ?? null,
      validationStdError: last?.eval?.validationStdError ?? null,
      flops: last?.train?.flops ?? 0,
      tokens: last?.train?.tokens ?? record?.tokensSeen ?? 0,
    };
  });
  const outcomes: StudyRunOutcome[] = runs.map((run) => ({
    runId: run.runId,
    values: run.values,
    status: run.record?.status ?? 'missing',
    finalValidationLoss: run.finalValidationLoss,
    validationStdError: run.validationStdError,
    tokens: run.tokens,
    flops: run.flops,
    trainSplitTokens: run.record?.trainSplitTokens ?? null,
  }));
  const unique = uniqueBy(runs, (run) => run.runId).map(({ flops: _f, tokens: _t, ...run }) => ({
    ...run,
    values: run.record === null ? run.values : usedValues(run.values, ffnOf(run.values, study)),
  }));
  return {
    study,
    runs: unique,
    progress: progressOf(unique.map((run) => run.record)),
    report: studyReport(study.grid, outcomes),
  };
}

export function studySummary(store: RunStore, study: StudyRecord): StudySummary {
  return {
    id: study.id,
    name: study.name,
    createdAt: study.createdAt,
    ...(study.preset !== undefined && { preset: study.preset }),
    grid: study.grid,
    runIds: studyRunIds(study),
    progress: progressOf(studyRunIds(study).map((runId) => findRun(store, runId))),
  };
}

/** Each run of the study once, in grid order (points may share a run). */
export function studyRunIds(study: StudyRecord): string[] {
  return [...new Set(study.runs.map((run) => run.runId))];
}

function ffnOf(values: Record<string, unknown>, study: StudyRecord): FfnKind {
  const ffn = values['model.ffn'] ?? study.baseConfig.model.ffn;
  return ffn === 'dense' || ffn === 'mot' || ffn === 'moe' ? ffn : study.baseConfig.model.ffn;
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const id = key(item);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function progressOf(records: (RunRecord | null)[]): StudyProgress {
  const progress: StudyProgress = {
    total: records.length,
    completed: 0,
    active: 0,
    halted: 0,
    missing: 0,
  };
  for (const record of records) {
    if (record === null) progress.missing++;
    else if (record.status === 'completed') progress.completed++;
    else if (['queued', 'running', 'paused'].includes(record.status)) progress.active++;
    else if (record.status !== 'created') progress.halted++;
  }
  return progress;
}

function findRun(store: RunStore, runId: string): RunRecord | null {
  try {
    return store.get(runId);
  } catch (error) {
    if (error instanceof StoreError && error.code === 'not_found') return null;
    throw error;
  }
}

/** The last train and eval records of a run (its final loss, tokens and FLOPs). */
function lastRecords(store: RunStore, runId: string): { train?: TrainRecord; eval?: EvalRecord } {
  const out: { train?: TrainRecord; eval?: EvalRecord } = {};
  for (const record of store.readMetrics(runId).records as (TrainRecord | EvalRecord)[]) {
    if (record.type === 'train' && record.step >= (out.train?.step ?? -1)) out.train = record;
    if (record.type === 'eval' && record.step >= (out.eval?.step ?? -1)) out.eval = record;
  }
  return out;
}

/**
 * Paths never travel through the API (DESIGN.md), and a grid is no way around that: a corpus
 * from a file is refused unless the base config already had it.
 */
function fileCorpusIssues(grid: StudyGrid, configs: RunConfig[]): GridIssue[] {
  const key = Object.keys(grid).find((k) => k === 'data' || k.startsWith('data.corpus'));
  if (key === undefined || !configs.some((c) => c.data.corpus.kind === 'file')) return [];
  return [{ path: `grid.${key}`, message: 'a study chooses among built-in corpora only' }];
}
