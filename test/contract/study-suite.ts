/**
 * Studies through the API, in-process and over the WebSocket like the rest of the contract: the
 * malformed requests (merged into the contract suite's table, which checks every method has
 * some), and a tiny study's life: a 2 x 2 smoke grid created, queued, trained and reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, MethodName } from '../../src/core/api/contract';
import type { RunRecord } from '../../src/core/api/run-record';
import type { StudyDetail, StudySummary } from '../../src/core/api/study';
import { listing, type ContractClient } from './contract-suite';

type BadCase = [MethodName | string, unknown, string];

const ffnGrid = { 'model.ffn': ['dense', 'mot'] };

export function studyBadCases(): BadCase[] {
  const idCases = (method: MethodName): BadCase[] => [
    [method, {}, 'studyId'],
    [method, { studyId: 42 }, 'studyId'],
    [method, { studyId: '../x' }, 'studyId'],
    [method, { studyId: '20200101-000000-beef', bogus: 1 }, 'bogus'],
    [method, 'x', '(request)'],
  ];
  const study = (fields: Record<string, unknown>) => ({
    name: 's',
    preset: 'smoke',
    grid: ffnGrid,
    ...fields,
  });
  return [
    ...idCases('getStudy'),
    ...idCases('deleteStudy'),
    ['createStudy', 'x', '(request)'],
    ['createStudy', { grid: ffnGrid }, 'name'],
    ['createStudy', study({ name: '  ' }), 'name'],
    ['createStudy', study({ name: 'x'.repeat(121) }), 'name'],
    ['createStudy', study({ grid: undefined }), 'grid'],
    ['createStudy', study({ grid: [1] }), 'grid'],
    ['createStudy', study({ grid: {} }), 'grid'],
    ['createStudy', study({ seeds: [] }), 'seeds'],
    ['createStudy', study({ seeds: [1.5] }), 'seeds.0'],
    ['createStudy', study({ grid: { 'train.seed': [1, 2] }, seeds: [3] }), 'seeds'],
    ['createStudy', study({ grid: { 'model.ffn': 'dense' } }), 'grid.model.ffn'],
    ['createStudy', study({ grid: { 'model.ffn': [] } }), 'grid.model.ffn'],
    [
      'createStudy',
      study({ grid: { 'train.steps': Array.from({ length: 17 }, (_, i) => i + 1) } }),
      'grid.train.steps',
    ],
    ['createStudy', study({ grid: { 'model.fnn': ['dense'] } }), 'grid.model.fnn'],
    ['createStudy', study({ grid: { 'model.mot.groupSize': [4, 3] } }), 'grid.model.mot.groupSize'],
    ['createStudy', study({ grid: { name: ['a'] } }), 'grid.name'],
    [
      'createStudy',
      study({
        grid: {
          // 13 x 15 = 195 runs, over the limit of 192.
          'train.seed': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
          'train.steps': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        },
      }),
      'grid',
    ],
    [
      'createStudy',
      study({ grid: { 'data.corpus': [{ kind: 'file', path: '/etc/passwd' }] } }),
      'grid.data.corpus',
    ],
    ['createStudy', study({ preset: 'no-such-preset' }), 'preset'],
    ['createStudy', study({ config: { model: { heads: 3 } } }), 'config.model.heads'],
    ['createStudy', study({ start: 'yes' }), 'start'],
    ['createStudy', study({ bogus: 1 }), 'bogus'],
  ];
}

async function ok<T>(client: ContractClient, method: MethodName, request: unknown): Promise<T> {
  const result: ApiResult<unknown> = await client.call(method, request);
  if (!result.ok) throw new Error(`${method}: ${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

export function defineStudySuite(name: string, makeClient: () => Promise<ContractClient>): void {
  describe(`${name}: a study's life`, () => {
    let client: ContractClient;
    let study: StudyDetail;
    const finished = new Set<string>();

    beforeAll(async () => {
      client = await makeClient();
      client.on('runStatus', ({ runId, status }) => {
        if (status === 'completed' || status === 'failed') finished.add(runId);
      });
    });
    afterAll(async () => {
      await client?.close();
    });

    it('creates a 2 x 2 grid of runs and queues them in grid order', async () => {
      study = await ok<StudyDetail>(client, 'createStudy', {
        name: 'crossover smoke',
        preset: 'smoke',
        grid: { 'model.ffn': ['dense', 'mot'], 'train.steps': [4, 8] },
        seeds: [1],
      });
      expect(study.study).toMatchObject({ name: 'crossover smoke', preset: 'smoke' });
      const seed = { 'train.seed': 1 };
      expect(study.runs.map((r) => r.values)).toEqual([
        { 'model.ffn': 'dense', ...seed, 'train.steps': 4 },
        { 'model.ffn': 'mot', ...seed, 'train.steps': 4 },
        { 'model.ffn': 'dense', ...seed, 'train.steps': 8 },
        { 'model.ffn': 'mot', ...seed, 'train.steps': 8 },
      ]);
      // The first may already have started by the time the study is read back.
      expect(study.runs.slice(1).map((r) => r.record?.status)).toEqual(Array(3).fill('queued'));
      expect(['queued', 'running']).toContain(study.runs[0]?.record?.status);
      expect(study.runs[1]?.record?.name).toBe('crossover smoke · ffn=mot seed=1 steps=4');
      expect(study.runs[1]?.record?.tags).toEqual(['study', 'study:crossover smoke']);
      expect(study.report.verdict).toBe(
        'No dense/MoT point has finished yet (0 of 2): no verdict.',
      );
      const runs = await ok<RunRecord[]>(client, 'listRuns', {});
      expect(runs.filter((r) => r.tags.includes('study'))).toHaveLength(4);
    });

    it('trains them and reports the MoT-minus-dense gap at each budget, with a verdict', async () => {
      const ids = study.runs.map((r) => r.runId);
      await expect
        .poll(() => ids.every((id) => finished.has(id)), { timeout: 150_000, interval: 250 })
        .toBe(true);
      const detail = await ok<StudyDetail>(client, 'getStudy', { studyId: study.study.id });
      expect(detail.runs.map((r) => r.record?.status)).toEqual(Array(4).fill('completed'));
      expect(detail.progress).toEqual({ total: 4, completed: 4, active: 0, halted: 0, missing: 0 });
      expect(detail.runs.every((r) => (r.finalValidationLoss ?? 0) > 0)).toBe(true);
      const { report } = detail;
      expect(report).toMatchObject({ comparesDenseAndMot: true, budgetKey: 'train.steps' });
      expect(report.points.map((p) => p.label)).toEqual(['steps=4', 'steps=8']);
      for (const point of report.points) {
        expect(point.gap).toBeCloseTo(
          (point.mot?.runs[0]?.finalValidationLoss ?? NaN) -
            (point.dense?.runs[0]?.finalValidationLoss ?? NaN),
          12,
        );
        // One seed: a mean without an interval, so no call either way.
        expect(point.interval).toBeNull();
        expect(point.verdict).toBe('indistinguishable');
        // FLOP-matched MoT costs about a dense FFN per token, plus its mixing.
        expect(point.flopsRatio).toBeGreaterThan(1);
        expect(point.flopsRatio).toBeLessThan(1.1);
      }
      expect(report.verdict).toMatch(/indistinguishable at this budget at steps=4, steps=8\./);
      expect(report.verdict).toMatch(/one seed per point: no interval/);
    });

    it('lists it with its progress, and forgets it on delete while its runs stay', async () => {
      const list = await ok<StudySummary[]>(client, 'listStudies', {});
      expect(list).toEqual([
        expect.objectContaining({
          id: study.study.id,
          name: 'crossover smoke',
          runIds: study.runs.map((r) => r.runId),
          progress: expect.objectContaining({ total: 4, completed: 4 }),
        }),
      ]);
      await ok(client, 'deleteStudy', { studyId: study.study.id });
      expect(await ok<StudySummary[]>(client, 'listStudies', {})).toEqual([]);
      const runs = await ok<RunRecord[]>(client, 'listRuns', {});
      expect(runs.filter((r) => r.tags.includes('study'))).toHaveLength(4);
      const again = await client.call('getStudy', { studyId: study.study.id });
      expect(again.ok || again.error.code).toBe('not_found');
    });

    it('makes runs without queueing them when asked, and writes nothing for a bad grid', async () => {
      const quiet = await ok<StudyDetail>(client, 'createStudy', {
        name: 'later',
        preset: 'smoke',
        grid: { 'model.mot.groupSize': [2, 4] },
        seeds: [1],
        start: false,
      });
      expect(quiet.runs.map((r) => r.record?.status)).toEqual(['created', 'created']);
      expect(quiet.report.comparesDenseAndMot).toBe(false);
      const before = listing(client.dataDir);
      const bad = await client.call('createStudy', {
        name: 'bad',
        preset: 'smoke',
        grid: { 'model.ffn': ['dense', 'mot'], 'model.mot.groupSize': [4, 3] },
      });
      expect(bad.ok).toBe(false);
      if (!bad.ok) {
        expect(bad.error.code).toBe('invalid_request');
        expect(bad.error.issues).toEqual([
          {
            path: 'grid.model.mot.groupSize',
            message: expect.stringMatching(/^3 \(at ffn=mot groupSize=3\)/),
          },
        ]);
      }
      expect(listing(client.dataDir)).toEqual(before);
    });
  });
}
