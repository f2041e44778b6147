/**
 * The workbench API: every method and event the UI uses, declared once. Each method has a runtime
 * schema for its request (the Node side validates every request with it before doing anything) and
 * a TypeScript type for its response. Electron IPC (preload + main), the WebSocket server of
 * `mot serve`, and both renderer hosts derive from this table, so no channel name is written twice.
 *
 * Pure: no Node, no DOM, no Electron. Paths never travel in requests: imports of user files happen
 * through a file dialog (desktop) or the command line (CLI / server). The one exception is the
 * torch engine's Python, which a person types in Settings: the Node side accepts only an absolute
 * path to an existing executable file, and runs it only to ask about torch and to train.
 */
import * as v from 'valibot';
import type { BackendChoice, PartialRunConfig, RunConfig } from '../config';
import type { CheckpointEvaluation } from './evaluation';
import type { GenerationResult } from '../generate';
import type { FlopBreakdown } from '../train/flops';
import type { MetricRecord } from '../train/metrics';
import type { MixSnapshot } from '../train/snapshot';
import { STUDY_LIMITS } from '../study/grid';
import { RUN_ID_PATTERN, type RunRecord, type RunStatus } from './run-record';
import type { AppSettings, PythonSearchReport } from './settings';
import type { StudyDetail, StudySummary } from './study';

const runId = v.pipe(
  v.string(),
  v.regex(RUN_ID_PATTERN, 'must be a run id like 20261129-044512-ab12'),
);
const studyId = v.pipe(
  v.string(),
  v.regex(RUN_ID_PATTERN, 'must be a study id like 20261129-044512-ab12'),
);
/** A step number: JSON can carry 1e308, which is an "integer" but names no step. */
const step = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/**
 * Lengths of the free text a user types (in UTF-16 code units, as String.length counts them):
 * the renderer refuses longer input before sending, the Node side rejects it as invalid_request.
 */
export const TEXT_LIMITS = {
  runName: 120,
  tag: 40,
  tags: 32,
  notes: 20_000,
  prompt: 4000,
} as const;
/** Values per config path; expandGrid checks the paths and every config they give. */
const grid = v.pipe(
  v.custom<Record<string, unknown>>(isPlainObject, 'must be an object: {"config.path": [values]}'),
  v.record(
    v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
    v.pipe(v.array(v.unknown()), v.minLength(1), v.maxLength(STUDY_LIMITS.maxValues)),
  ),
  v.check((g) => Object.keys(g).length > 0, 'needs at least one config path'),
);
/** A (possibly partial) config: checked in full by resolveConfig on the Node side. */
const configInput = v.pipe(
  v.custom<Record<string, unknown>>(isPlainObject, 'must be an object (a partial run config)'),
  v.record(v.string(), v.unknown()),
);
const empty = v.strictObject({});
/** The torch engine's Python; that it exists and is executable is checked on the Node side. */
const pythonPath = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'must not be empty (null forgets the setting)'),
  v.maxLength(4096),
  v.check((p) => !p.includes('\0'), 'must not contain NUL'),
);
const generationId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, - or _'),
);

/** A method: its request schema and (as a phantom type) its response. */
export interface MethodSpec<Req extends v.GenericSchema, Res> {
  request: Req;
  /** Never set at run time: carries the response type. */
  response?: Res;
}
function method<Res>() {
  return <Req extends v.GenericSchema>(request: Req): MethodSpec<Req, Res> => ({ request });
}

export interface RunDetail {
  record: RunRecord;
  config: RunConfig;
  checkpoints: number[];
  snapshots: number[];
}

export interface ConfigEstimate {
  /** Problems that stop the config from running, by field (empty when it is valid). */
  issues: { path: string; message: string }[];
  config?: RunConfig;
  paramsTotal?: number;
  /** Parameters used per token: MoE counts top-k experts; MoT uses all of them. */
  paramsActive?: number;
  flopsPerToken?: FlopBreakdown;
  /** Weights + AdamW moments + activations of one step, float32. */
  memoryBytes?: number;
  vocabSize?: number;
}

/** Something the store repaired or noticed by itself (a damaged catalog set aside, ...): for a banner. */
export interface StoreNoticeInfo {
  kind: 'catalog-repaired' | 'run-folder-missing' | 'metrics-torn';
  /** ISO 8601, UTC. */
  at: string;
  message: string;
}

export interface BackendInfo {
  name: string;
  available: boolean;
  detail: string;
}

export interface DatasetInfo {
  id: string;
  name: string;
  description: string;
  kind: 'builtin' | 'imported';
  /** What a config's `data.corpus` is set to, to train on this dataset. */
  corpus: { kind: 'builtin'; name: 'brown' | 'nlp-corpus' } | { kind: 'dataset'; id: string };
}

export interface PresetInfo {
  name: string;
  description: string;
  config: RunConfig;
}

export const METHODS = {
  listRuns: method<RunRecord[]>()(empty),
  getRun: method<RunDetail>()(v.strictObject({ runId })),
  /** Creates a run (status `created`) from a preset and/or partial config; does not start it. */
  createRun: method<RunRecord>()(
    v.strictObject({
      preset: v.optional(v.pipe(v.string(), v.maxLength(100))),
      config: v.optional(configInput),
    }),
  ),
  deleteRun: method<{ deleted: string }>()(v.strictObject({ runId })),
  updateRun: method<RunRecord>()(
    v.strictObject({
      runId,
      name: v.optional(
        v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(TEXT_LIMITS.runName)),
      ),
      tags: v.optional(
        v.pipe(
          v.array(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(TEXT_LIMITS.tag))),
          v.maxLength(TEXT_LIMITS.tags),
        ),
      ),
      notes: v.optional(v.pipe(v.string(), v.maxLength(TEXT_LIMITS.notes))),
    }),
  ),
  /** Queues a created, stopped, interrupted or failed run (resuming from its last checkpoint). */
  startRun: method<RunRecord>()(v.strictObject({ runId })),
  pauseRun: method<RunRecord>()(v.strictObject({ runId })),
  resumeRun: method<RunRecord>()(v.strictObject({ runId })),
  /** Stops after the current step with a final checkpoint. */
  stopRun: method<RunRecord>()(v.strictObject({ runId })),
  /** A new run from a checkpoint of this one, with config changes; records its parent and step. */
  forkRun: method<RunRecord>()(
    v.strictObject({ runId, step: v.optional(step), changes: v.optional(configInput) }),
  ),
  /**
   * Transition tuning (shared/MOT.md): a new run (status `created`, child of this MoT run at the
   * checkpoint) holding the weights converted to a top-1 token-choice MoE and the parent's metrics
   * up to that step; startRun trains it for `extraSteps` (default 10% of the parent's steps).
   */
  transitionRun: method<RunRecord>()(
    v.strictObject({
      runId,
      step: v.optional(step),
      extraSteps: v.optional(
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000_000)),
      ),
      capacityFactor: v.optional(v.pipe(v.number(), v.minValue(0.01), v.maxValue(64))),
      loadBalanceWeight: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(10))),
    }),
  ),
  /** The last `tail` lines of the run's log.txt (its whole history, not only this session's). */
  readLog: method<{ lines: string[]; totalLines: number }>()(
    v.strictObject({
      runId,
      tail: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 300),
    }),
  ),
  readMetrics: method<{ records: MetricRecord[]; skipped: number }>()(
    v.strictObject({ runId, sinceStep: v.optional(step) }),
  ),
  exportMetrics: method<{ filename: string; mimeType: string; content: string }>()(
    v.strictObject({ runId, format: v.picklist(['csv', 'json']) }),
  ),
  readSnapshot: method<MixSnapshot>()(v.strictObject({ runId, step })),
  generate: method<GenerationResult & { step: number }>()(
    v.strictObject({
      runId,
      step: v.optional(step),
      prompts: v.pipe(
        v.array(v.pipe(v.string(), v.maxLength(TEXT_LIMITS.prompt))),
        v.minLength(1),
        v.maxLength(64),
      ),
      maxTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2048)), 100),
      temperature: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(10)), 0.8),
      topK: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65536)), 40),
      seed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31 - 1)), 0),
      discrete: v.optional(v.boolean(), false),
      /** Names this generation for cancelGeneration (the caller picks it, unique while it runs). */
      generationId: v.optional(generationId),
    }),
  ),
  /** Ends a running generation now; it answers `canceled`. `canceled: false` when none ran. */
  cancelGeneration: method<{ canceled: boolean }>()(v.strictObject({ generationId })),
  /**
   * The validation loss of a checkpoint (the latest without `step`) in every way that matters
   * for its FFN kind, as `mot eval` prints it: MoT as trained, discrete and at other group sizes;
   * MoE with and without capacity and one sequence alone; dense as trained.
   */
  evaluateCheckpoint: method<CheckpointEvaluation>()(
    v.strictObject({ runId, step: v.optional(step) }),
  ),
  listDatasets: method<DatasetInfo[]>()(empty),
  /**
   * Imports a .txt / .jsonl file the user picks in the desktop app's file dialog (requests carry no
   * path); `canceled` when they close it. Browser mode has no dialog: use `mot datasets import FILE`.
   */
  importDataset: method<DatasetInfo | { canceled: true }>()(
    v.strictObject({
      name: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(120))),
    }),
  ),
  /**
   * Registers a run folder the user picks in the desktop app's folder dialog (an export trained
   * elsewhere, e.g. synced from a cluster) as a run; `canceled` when they close it. Deleting the
   * run detaches it and leaves the folder alone. Browser mode: `mot attach PATH` on the server.
   */
  attachFolder: method<RunRecord | { canceled: true }>()(empty),
  listPresets: method<PresetInfo[]>()(empty),
  estimateConfig: method<ConfigEstimate>()(
    v.strictObject({
      preset: v.optional(v.pipe(v.string(), v.maxLength(100))),
      config: v.optional(configInput),
    }),
  ),
  backendInfo: method<BackendInfo[]>()(empty),
  /** The app settings: how many runs train at once, the torch engine's Python. */
  getSettings: method<AppSettings>()(empty),
  /**
   * Changes the settings given; `pythonPath: null` forgets the path (the engine searches again).
   * A path must be absolute and name an existing executable file (invalid_request otherwise).
   */
  updateSettings: method<AppSettings>()(
    v.strictObject({
      trainingConcurrency: v.optional(
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)),
      ),
      pythonPath: v.optional(v.nullable(pythonPath)),
    }),
  ),
  /**
   * Asks every candidate Python (the setting, or `pythonPath` to try one before saving it,
   * MOT_PYTHON, VIRTUAL_ENV, CONDA_PREFIX, PATH, the system's) for its torch and CUDA devices,
   * and says which the torch engine would use.
   */
  findPython: method<PythonSearchReport>()(v.strictObject({ pythonPath: v.optional(pythonPath) })),
  /** What the store repaired or noticed since this process opened it, oldest first. */
  storeNotices: method<StoreNoticeInfo[]>()(empty),
  /**
   * A study: one run per combination of the grid over the base config (preset and/or partial
   * config), each created and, unless `start` is false, queued. Every generated config is checked
   * before any run is made; problems name the grid path (`grid.model.mot.groupSize`).
   */
  createStudy: method<StudyDetail>()(
    v.strictObject({
      name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(120)),
      preset: v.optional(v.pipe(v.string(), v.maxLength(100))),
      config: v.optional(configInput),
      grid,
      /** Training seeds per point (default 1, 2, 3), unless the grid varies train.seed itself. */
      seeds: v.optional(
        v.pipe(
          v.array(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31 - 1))),
          v.minLength(1),
          v.maxLength(16),
        ),
      ),
      start: v.optional(v.boolean(), true),
    }),
  ),
  listStudies: method<StudySummary[]>()(empty),
  /** The study, its runs as they are now, and its dense-vs-MoT report and verdict. */
  getStudy: method<StudyDetail>()(v.strictObject({ studyId })),
  /** Forgets the study; its runs stay (delete them from the run list). */
  deleteStudy: method<{ deleted: string }>()(v.strictObject({ studyId })),
} as const;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods;
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];
export type RequestOf<M extends MethodName> = v.InferInput<Methods[M]['request']>;
/** The request after validation (defaults filled in). */
export type ValidRequestOf<M extends MethodName> = v.InferOutput<Methods[M]['request']>;
export type ResponseOf<M extends MethodName> = NonNullable<Methods[M]['response']>;

/** Pushed to every client, throttled to about 10 a second per run. */
export interface Events {
  runStatus: { runId: string; status: RunStatus; error?: string; record: RunRecord };
  /** New metric records since the last progress event of this run. */
  runProgress: { runId: string; records: MetricRecord[] };
  runLog: { runId: string; line: string };
}
export type EventName = keyof Events;
export const EVENT_NAMES: EventName[] = ['runStatus', 'runProgress', 'runLog'];

export type ApiErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'conflict'
  | 'failed'
  | 'unknown_method'
  | 'unauthorized'
  /** The caller canceled the call (cancelGeneration). */
  | 'canceled';
export interface ApiError {
  code: ApiErrorCode;
  message: string;
  /** For invalid_request: each offending field. */
  issues?: { path: string; message: string }[];
}
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** An error that carries its API code through the service layer. */
export class WorkbenchError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'WorkbenchError';
  }
}

/** Validates a request against its method's schema; returns it with defaults, or a structured error. */
export function validateRequest<M extends MethodName>(
  name: string,
  request: unknown,
): { ok: true; method: M; value: ValidRequestOf<M> } | { ok: false; error: ApiError } {
  if (!Object.hasOwn(METHODS, name)) {
    return { ok: false, error: { code: 'unknown_method', message: `unknown method "${name}"` } };
  }
  if (request !== undefined && request !== null && !isPlainObject(request)) {
    const issues = [{ path: '(request)', message: 'must be an object' }];
    return {
      ok: false,
      error: { code: 'invalid_request', message: `${name}: (request): must be an object`, issues },
    };
  }
  const parsed = v.safeParse(METHODS[name as M].request, request ?? {});
  if (!parsed.success) {
    const issues = parsed.issues.map((issue) => ({
      path: v.getDotPath(issue) ?? '(request)',
      message: issueMessage(issue),
    }));
    return {
      ok: false,
      error: {
        code: 'invalid_request',
        message: `${name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      },
    };
  }
  return { ok: true, method: name as M, value: parsed.output as ValidRequestOf<M> };
}

/** A strict object reports unknown and missing keys alike as `strict_object`: tell them apart. */
function issueMessage(issue: v.BaseIssue<unknown>): string {
  if (issue.type === 'strict_object' && issue.expected === 'never') return 'unknown field';
  if (issue.kind === 'schema' && issue.received === 'undefined') return 'required';
  return issue.message;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the renderer talks to. Two implementations: the Electron preload bridge and a WebSocket
 * client for `mot serve`. A failed call rejects with a WorkbenchError.
 */
export interface Host {
  readonly kind: 'desktop' | 'browser';
  call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>>;
  /** Returns an unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

export type { BackendChoice, PartialRunConfig };
export type { AppSettings, PythonCandidateReport, PythonSearchReport } from './settings';
