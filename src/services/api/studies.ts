/**
 * The study methods. createStudy makes every run of the grid (services/study.ts) and queues them
 * on the run manager, as startRun would one by one; the manager's concurrency decides how many
 * train at once. Deleting a study forgets it and keeps its runs.
 */
import { BASE_CONFIG } from '../../core/presets';
import { createStudy as createStudyRuns, studyDetail, studyRunIds, studySummary } from '../study';
import { presetConfig, resolveRequestConfig } from './config-input';
import type { Handler } from './context';

export const createStudy: Handler<'createStudy'> = async (context, request) => {
  const { store, manager } = context;
  const { name, preset, config, grid, seeds, start } = request;
  const base = resolveRequestConfig(
    preset !== undefined ? presetConfig(preset) : BASE_CONFIG,
    config,
    'config',
  );
  const study = await createStudyRuns(store, {
    name,
    base,
    grid,
    ...(seeds !== undefined && { seeds }),
    ...(preset !== undefined && { preset }),
  });
  if (start) for (const runId of studyRunIds(study)) await manager.enqueue(runId);
  return studyDetail(store, study);
};

export const listStudies: Handler<'listStudies'> = async ({ store }) =>
  store.studies.list().map((study) => studySummary(store, study));

export const getStudy: Handler<'getStudy'> = async ({ store }, { studyId }) =>
  studyDetail(store, store.studies.get(studyId));

export const deleteStudy: Handler<'deleteStudy'> = async ({ store }, { studyId }) => {
  await store.studies.delete(studyId);
  return { deleted: studyId };
};
