/**
 * Making a study's runs (services/study.ts) without training them: one run per distinct training
 * config, shared by the grid points it serves, and nothing left behind by a bad grid.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/config';
import { findPreset } from '../../src/core/presets';
import { RunStore } from '../../src/services/store';
import { createStudy, studyDetail, studyRunIds, studySummary } from '../../src/services/study';

const smoke = findPreset('smoke').config;
const openStore = () => RunStore.open(join(mkdtempSync(join(tmpdir(), 'mot-study-')), 'data'));

describe('createStudy', () => {
  it('shares the dense run across MoT group sizes, and lists every grid point', async () => {
    const store = await openStore();
    const grid = { 'model.ffn': ['dense', 'mot'], 'model.mot.groupSize': [2, 4] };
    const study = await createStudy(store, {
      name: 'g',
      base: smoke,
      grid,
      preset: 'smoke',
      seeds: [1],
    });
    const seed = { 'train.seed': 1 };
    expect(study.runs.map((r) => r.values)).toEqual([
      { 'model.ffn': 'dense', ...seed, 'model.mot.groupSize': 2 },
      { 'model.ffn': 'mot', ...seed, 'model.mot.groupSize': 2 },
      { 'model.ffn': 'dense', ...seed, 'model.mot.groupSize': 4 },
      { 'model.ffn': 'mot', ...seed, 'model.mot.groupSize': 4 },
    ]);
    expect(study.runs[0]?.runId).toBe(study.runs[2]?.runId);
    expect(studyRunIds(study)).toHaveLength(3);
    expect(
      store
        .list()
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      'g · ffn=dense seed=1',
      'g · ffn=mot seed=1 groupSize=2',
      'g · ffn=mot seed=1 groupSize=4',
    ]);

    const detail = studyDetail(store, study);
    expect(detail.runs.map((r) => r.values)).toEqual([
      { 'model.ffn': 'dense', ...seed },
      { 'model.ffn': 'mot', ...seed, 'model.mot.groupSize': 2 },
      { 'model.ffn': 'mot', ...seed, 'model.mot.groupSize': 4 },
    ]);
    expect(detail.progress).toMatchObject({ total: 3, completed: 0, active: 0, halted: 0 });
    // Both points name the shared dense run.
    expect(detail.report.points.map((p) => p.dense?.runs[0]?.runId)).toEqual([
      study.runs[0]?.runId,
      study.runs[0]?.runId,
    ]);
    expect(studySummary(store, study)).toMatchObject({
      runIds: studyRunIds(study),
      progress: { total: 3 },
    });

    // Gone from the catalog when deleted; the runs stay.
    await store.studies.delete(study.id);
    expect(store.studies.list()).toEqual([]);
    expect(store.list()).toHaveLength(3);
  });

  it('keeps studies across a reopen, and an old catalog without them loads', async () => {
    const store = await openStore();
    expect(store.studies.list()).toEqual([]);
    const study = await createStudy(store, {
      name: 'steps',
      base: smoke,
      grid: { 'train.steps': [2, 4] },
    });
    // Three seeds per point by default.
    expect(study.grid['train.seed']).toEqual([1, 2, 3]);
    await store.flush();
    const again = await RunStore.open(store.dataDir);
    expect(again.studies.get(study.id)).toEqual(study);
    expect(again.list()).toHaveLength(6);
  });

  it('makes nothing when a grid point is invalid', async () => {
    const store = await openStore();
    const grid = { 'model.ffn': ['dense', 'mot'], 'model.mot.groupSize': [4, 3] };
    const error = await createStudy(store, { name: 'bad', base: smoke, grid }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['grid.model.mot.groupSize']);
    expect(store.list()).toEqual([]);
    expect(store.studies.list()).toEqual([]);
  });
});
