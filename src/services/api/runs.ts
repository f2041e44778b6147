/** The catalog methods: list, read, create, rename/tag/annotate and delete runs. */
import { WorkbenchError } from '../../core/api/contract';
import { ConfigError, ffnSummary } from '../../core/config';
import { BASE_CONFIG } from '../../core/presets';
import { assertFitsMemory } from '../memory-guard';
import { readRunConfig } from '../run-data';
import type { RunPatch } from '../store';
import { type Handler, isBusy, requireRun } from './context';
import { presetConfig, resolveRequestConfig } from './config-input';

/** Run folders created or deleted behind the catalog's back are picked up here. */
export const listRuns: Handler<'listRuns'> = async ({ store }) => {
  await store.syncFolders();
  return store.list();
};

export const getRun: Handler<'getRun'> = async (context, { runId }) => {
  const record = requireRun(context, runId);
  const { store } = context;
  let config;
  try {
    config = readRunConfig(store, runId);
  } catch (error) {
    // The stored file is at fault, not the request.
    if (error instanceof ConfigError)
      throw new WorkbenchError(
        'failed',
        `run ${runId} has an invalid config.json: ${error.message}`,
      );
    throw error;
  }
  return {
    record,
    config,
    checkpoints: store.listCheckpoints(runId),
    snapshots: store.listSnapshotSteps(runId),
  };
};

/** A run in status `created`, named by its config (the preset's name unless the config says). */
export const createRun: Handler<'createRun'> = async (context, { preset, config }) => {
  const { store } = context;
  const base = preset !== undefined ? presetConfig(preset) : BASE_CONFIG;
  const resolved = resolveRequestConfig(base, config, 'config');
  assertFitsMemory(resolved, context.memoryLimitBytes);
  return store.create({
    name: resolved.name,
    config: resolved,
    ffnSummary: ffnSummary(resolved.model),
  });
};

export const deleteRun: Handler<'deleteRun'> = async (context, { runId }) => {
  const record = requireRun(context, runId);
  if (isBusy(context, record))
    throw new WorkbenchError(
      'conflict',
      `run ${runId} is ${record.status}: stop it before deleting it`,
    );
  await context.store.delete(runId);
  return { deleted: runId };
};

export const updateRun: Handler<'updateRun'> = async (context, { runId, name, tags, notes }) => {
  requireRun(context, runId);
  const patch: RunPatch = {
    ...(name !== undefined && { name }),
    ...(tags !== undefined && { tags: [...new Set(tags)] }),
    ...(notes !== undefined && { notes }),
  };
  return context.store.update(runId, patch);
};
