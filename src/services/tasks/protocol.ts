/**
 * The messages between the workbench and a task process: jobs that run tfjs or long synchronous
 * loops (generating text from a checkpoint, evaluating one, probing the backends, preparing a
 * torch run's data: BPE training and tokenising a corpus) and so must not run on the serving
 * thread. Plain
 * JSON-safe objects, for Node IPC and Electron's utilityProcess alike.
 */
import type { ApiResult, ValidRequestOf } from '../../core/api/contract';
import type { RunConfig } from '../../core/config';
import type { PreparedManifest } from '../engines/torch-prepare';

/** Prepare `runDir/prepared` for the torch engine (see engines/torch-prepare.ts). */
export interface PrepareTorchJob {
  runDir: string;
  /** Resolves imported datasets. */
  dataDir: string;
  config: RunConfig;
  /** The resumed checkpoint's tokenizer.json, kept as is. */
  tokenizerJson?: unknown;
  initialWeights: boolean;
}

/** What a prepareTorch job answers: the manifest and which process wrote it. */
export interface PrepareTorchResult {
  manifest: PreparedManifest;
  /** The task process that did the work (never the serving process). */
  pid: number;
  elapsedMs: number;
}

/** A job, without the id the pool gives it. */
export type TaskBody =
  | { type: 'generate'; dataDir: string; request: ValidRequestOf<'generate'> }
  | { type: 'evaluate'; dataDir: string; request: ValidRequestOf<'evaluateCheckpoint'> }
  /** `pythonPath`: the setting, for the torch engine's line. */
  | { type: 'probeBackends'; pythonPath?: string }
  | ({ type: 'prepareTorch' } & PrepareTorchJob);

const TASK_TYPES: readonly TaskBody['type'][] = [
  'generate',
  'evaluate',
  'probeBackends',
  'prepareTorch',
];

/** Parent -> task process: one job at a time, answered by a `result` with the same id. */
export type TaskRequest = TaskBody & { id: number };

/** Task process -> parent. */
export type TaskReply =
  /** Up and listening: jobs may be sent. */
  | { type: 'ready' }
  /** The job's outcome, as the API would answer it. */
  | { type: 'result'; id: number; result: ApiResult<unknown> };

export function isTaskReply(value: unknown): value is TaskReply {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return (
    type === 'ready' || (type === 'result' && typeof (value as { id?: unknown }).id === 'number')
  );
}

export function isTaskRequest(value: unknown): value is TaskRequest {
  if (typeof value !== 'object' || value === null) return false;
  const { type, id } = value as { type?: unknown; id?: unknown };
  return (
    typeof type === 'string' &&
    TASK_TYPES.includes(type as TaskBody['type']) &&
    typeof id === 'number'
  );
}
