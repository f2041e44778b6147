/**
 * App settings through the API: how many runs train at once and the torch engine's Python
 * (kept in the catalog), and the search that shows which Python the engine would use.
 */
import { WorkbenchError, type AppSettings } from '../../core/api/contract';
import { PYTHON_SETTING } from '../engines/engine-launcher';
import { checkPythonPath, forgetPythonProbes, searchPythons } from '../engines/python';
import type { RunStore } from '../store';
import type { ApiContext, Handler } from './context';

/** The catalog setting that holds how many runs train at once. */
export const CONCURRENCY_SETTING = 'trainingConcurrency';
export const DEFAULT_CONCURRENCY = 1;

/** The stored concurrency, if it is a sane one. */
export function storedConcurrency(store: RunStore): number | undefined {
  const stored = Number(store.settings()[CONCURRENCY_SETTING]);
  return Number.isInteger(stored) && stored >= 1 && stored <= 64 ? stored : undefined;
}

/** The stored Python path, if one is set. */
export function storedPythonPath(store: RunStore): string | undefined {
  const value = store.settings()[PYTHON_SETTING];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function current(context: ApiContext): AppSettings {
  return {
    trainingConcurrency: context.manager.concurrency,
    pythonPath: storedPythonPath(context.store) ?? null,
  };
}

export const getSettings: Handler<'getSettings'> = async (context) => current(context);

export const updateSettings: Handler<'updateSettings'> = async (context, request) => {
  const patch: Record<string, unknown> = {};
  if (request.pythonPath !== undefined)
    patch[PYTHON_SETTING] =
      request.pythonPath === null ? undefined : checkedPath(request.pythonPath);
  if (request.trainingConcurrency !== undefined)
    patch[CONCURRENCY_SETTING] = request.trainingConcurrency;
  if (Object.keys(patch).length > 0) await context.store.updateSettings(patch);
  if (request.trainingConcurrency !== undefined)
    context.manager.setConcurrency(request.trainingConcurrency);
  if (request.pythonPath !== undefined) {
    forgetPythonProbes();
    context.tasks.forgetBackends();
  }
  return current(context);
};

export const findPython: Handler<'findPython'> = async (context, request) =>
  searchPythons(
    request.pythonPath !== undefined
      ? checkedPath(request.pythonPath)
      : storedPythonPath(context.store),
  );

function checkedPath(value: string): string {
  try {
    return checkPythonPath(value);
  } catch (error) {
    const message = (error as Error).message;
    throw new WorkbenchError('invalid_request', `pythonPath: ${message}`, [
      { path: 'pythonPath', message },
    ]);
  }
}
