/**
 * Turns whatever a handler threw into the contract's structured error, so `Workbench.handle`
 * never throws: a WorkbenchError keeps its code, a config problem is the caller's
 * (`invalid_request`, with every field), a missing run or file is `not_found`, and anything
 * else is `failed` with its message.
 */
import { WorkbenchError, type ApiError } from '../../core/api/contract';
import { ConfigError } from '../../core/config';
import { StoreError } from '../store';

export type Issue = { path: string; message: string };

export function toApiError(error: unknown): ApiError {
  if (error instanceof WorkbenchError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.issues !== undefined && { issues: error.issues }),
    };
  }
  if (error instanceof ConfigError) {
    return { code: 'invalid_request', message: error.message, issues: error.issues };
  }
  if (error instanceof StoreError) {
    const code =
      error.code === 'not_found' ? 'not_found' : error.code === 'conflict' ? 'conflict' : 'failed';
    return { code, message: error.message };
  }
  return { code: 'failed', message: error instanceof Error ? error.message : String(error) };
}

/** An invalid_request naming the given fields. */
export function invalidRequest(issues: Issue[]): WorkbenchError {
  return new WorkbenchError(
    'invalid_request',
    issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
    issues,
  );
}

/** Puts a request field in front of issue paths relative to it (`model.dModel` -> `config.model.dModel`). */
export function underField(field: string, issues: readonly Issue[]): Issue[] {
  return issues.map((issue) => ({
    path: issue.path === '(root)' || issue.path === '' ? field : `${field}.${issue.path}`,
    message: issue.message,
  }));
}
