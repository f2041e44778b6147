/**
 * The messages between the workbench and a task process: short jobs that run tfjs (generating
 * text from a checkpoint, probing the backends) and so must not run on the serving thread. Plain
 * JSON-safe objects, for Node IPC and Electron's utilityProcess alike.
 */
import type { ApiResult, ValidRequestOf } from '../../core/api/contract';

/** A job, without the id the pool gives it. */
export type TaskBody =
  | { type: 'generate'; dataDir: string; request: ValidRequestOf<'generate'> }
  | { type: 'probeBackends' };

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
  return (type === 'generate' || type === 'probeBackends') && typeof id === 'number';
}
