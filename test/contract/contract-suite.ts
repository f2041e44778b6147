/**
 * The API contract as a test suite, written against a client, not an implementation: it runs
 * in-process (in-process.test.ts) and over the WebSocket server of `mot serve`, so both shells
 * answer the same. Everything it asserts survives a JSON round trip.
 *
 * Runs use the `smoke` preset (a tiny MoT, about 10-20 ms a step on 2 cores), lengthened to a
 * couple of hundred steps where a test must catch a run mid-training.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  METHOD_NAMES,
  type ApiResult,
  type EventName,
  type Events,
  type MethodName,
} from '../../src/core/api/contract';
import type { CheckpointEvaluation } from '../../src/core/api/evaluation';
import type { RunRecord } from '../../src/core/api/run-record';
import type { MetricRecord } from '../../src/core/train/metrics';
import { settingsBadCases } from './settings-suite';
import { studyBadCases } from './study-suite';

export interface ContractClient {
  /** The data folder the service writes to: bad requests must leave it byte for byte alone. */
  readonly dataDir: string;
  call(method: string, request: unknown): Promise<ApiResult<unknown>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  close(): Promise<void>;
}

const UNKNOWN_RUN = '20200101-000000-beef';
const CSV_HEADER =
  'step,loss,lmLoss,auxLoss,learningRate,gradNorm,tokens,flops,stepMs,tokensPerSecond,elapsedMs,validationLoss';

/** Every file under `dir` with its size and modification time: "nothing written" is "equal". */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const full = join(folder, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else out.push(`${full.slice(dir.length)} ${stat.size} ${stat.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

/** The listing once the previous test's processes have finished writing (two reads alike). */
async function settledListing(dir: string): Promise<string[]> {
  let previous = listing(dir);
  for (;;) {
    await sleep(300);
    const current = listing(dir);
    if (JSON.stringify(current) === JSON.stringify(previous)) return current;
    previous = current;
  }
}

async function ok<T>(client: ContractClient, method: MethodName, request: unknown): Promise<T> {
  const result = await client.call(method, request);
  if (!result.ok)
    throw new Error(`${method} failed: ${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

/** A step with no checkpoint: where a stopped run stopped decides which steps have one. */
async function stepWithoutCheckpoint(client: ContractClient, runId: string): Promise<number> {
  const { checkpoints } = await ok<{ checkpoints: number[] }>(client, 'getRun', { runId });
  return Array.from({ length: 10_000 }, (_, i) => i + 1).find((s) => !checkpoints.includes(s))!;
}

async function failure(client: ContractClient, method: string, request: unknown) {
  const result = await client.call(method, request);
  if (result.ok) throw new Error(`${method} ${JSON.stringify(request)} unexpectedly succeeded`);
  return result.error;
}

/** Collects every event, and waits for one that matches. */
class EventLog {
  readonly seen: { event: EventName; payload: Events[EventName]; at: number }[] = [];
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  private readonly unsubscribe: (() => void)[];

  constructor(client: ContractClient) {
    this.unsubscribe = (['runStatus', 'runProgress', 'runLog'] as const).map((event) =>
      client.on(event, (payload) => {
        this.seen.push({ event, payload, at: performance.now() });
        this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
      }),
    );
  }

  statuses(runId: string): string[] {
    return this.of('runStatus', runId).map((e) => e.status);
  }

  of<E extends EventName>(event: E, runId: string): Events[E][] {
    return this.seen
      .filter((e) => e.event === event && e.payload.runId === runId)
      .map((e) => e.payload as Events[E]);
  }

  progressRecords(runId: string): MetricRecord[] {
    return this.of('runProgress', runId).flatMap((e) => e.records);
  }

  maxStep(runId: string): number {
    return Math.max(0, ...this.progressRecords(runId).map((r) => r.step));
  }

  waitFor(what: string, test: () => boolean, timeoutMs = 60_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  waitForStatus(runId: string, status: string): Promise<void> {
    return this.waitFor(`run ${runId} to be ${status}`, () =>
      this.statuses(runId).includes(status),
    );
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** [method, request, the field the error must name]. `RUN` stands for an existing run's id. */
type BadCase = [MethodName | string, unknown, string];

function badCases(run: string): BadCase[] {
  const runIdCases = (method: MethodName, rest: Record<string, unknown>): BadCase[] => [
    [method, { ...rest }, 'runId'],
    [method, { ...rest, runId: 42 }, 'runId'],
    [method, { ...rest, runId: '../x' }, 'runId'],
    [method, { ...rest, runId: `${run}/../../etc` }, 'runId'],
    [method, { ...rest, runId: run, bogus: 1 }, 'bogus'],
    [method, 'not an object', '(request)'],
  ];
  const noArgs = (method: MethodName): BadCase[] => [
    [method, { bogus: 1 }, 'bogus'],
    [method, 'x', '(request)'],
    [method, [1], '(request)'],
  ];
  return [
    ...noArgs('listRuns'),
    ...noArgs('listDatasets'),
    ...noArgs('importDataset'),
    ...noArgs('attachFolder'),
    ['attachFolder', { path: '/etc' }, 'path'],
    ['importDataset', { name: 5 }, 'name'],
    ['importDataset', { name: '  ' }, 'name'],
    ['importDataset', { path: '/etc/passwd' }, 'path'],
    ...noArgs('listPresets'),
    ...noArgs('backendInfo'),
    ...noArgs('storeNotices'),
    ...runIdCases('getRun', {}),
    ...runIdCases('deleteRun', {}),
    ...runIdCases('startRun', {}),
    ...runIdCases('pauseRun', {}),
    ...runIdCases('resumeRun', {}),
    ...runIdCases('stopRun', {}),
    ...runIdCases('updateRun', { name: 'x' }),
    ['updateRun', { runId: run, name: '' }, 'name'],
    ['updateRun', { runId: run, name: 7 }, 'name'],
    ['updateRun', { runId: run, tags: [5] }, 'tags.0'],
    ['updateRun', { runId: run, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'tags'],
    ['updateRun', { runId: run, notes: 'x'.repeat(20_001) }, 'notes'],
    ['createRun', 'smoke', '(request)'],
    ['createRun', { preset: 5 }, 'preset'],
    ['createRun', { preset: 'x'.repeat(101) }, 'preset'],
    ['createRun', { preset: 'no-such-preset' }, 'preset'],
    ['createRun', { preset: 'smoke', config: 'big' }, 'config'],
    ['createRun', { preset: 'smoke', config: [1] }, 'config'],
    ['createRun', { preset: 'smoke', bogus: true }, 'bogus'],
    ['createRun', { preset: 'smoke', config: { model: { dModel: 4 } } }, 'config.model.dModel'],
    ['createRun', { preset: 'smoke', config: { train: { steps: 0 } } }, 'config.train.steps'],
    [
      'createRun',
      { preset: 'smoke', config: { train: { learningRate: 'fast' } } },
      'config.train.learningRate',
    ],
    ['createRun', { preset: 'smoke', config: { modle: {} } }, 'config.modle'],
    [
      'createRun',
      { preset: 'smoke', config: { model: { mot: { groupSize: 3 } } } },
      'config.model.mot.groupSize',
    ],
    [
      'createRun',
      { preset: 'smoke', config: { data: { corpus: { kind: 'file', path: '/etc/passwd' } } } },
      'config.data.corpus',
    ],
    ...runIdCases('forkRun', {}),
    ['forkRun', { runId: run, step: -1 }, 'step'],
    ['forkRun', { runId: run, step: 1.5 }, 'step'],
    ['forkRun', { runId: run, step: '10' }, 'step'],
    ['forkRun', { runId: run, changes: 'lr' }, 'changes'],
    ...runIdCases('transitionRun', {}),
    ['transitionRun', { runId: run, step: -1 }, 'step'],
    ['transitionRun', { runId: run, extraSteps: 0 }, 'extraSteps'],
    ['transitionRun', { runId: run, extraSteps: 2.5 }, 'extraSteps'],
    ['transitionRun', { runId: run, capacityFactor: 0 }, 'capacityFactor'],
    ['transitionRun', { runId: run, capacityFactor: 'big' }, 'capacityFactor'],
    ['transitionRun', { runId: run, loadBalanceWeight: -1 }, 'loadBalanceWeight'],
    ['transitionRun', { runId: run, loadBalanceWeight: 11 }, 'loadBalanceWeight'],
    ...runIdCases('readLog', {}),
    ['readLog', { runId: run, tail: 0 }, 'tail'],
    ['readLog', { runId: run, tail: 1.5 }, 'tail'],
    ['readLog', { runId: run, tail: 'all' }, 'tail'],
    ['readLog', { runId: run, tail: 10_001 }, 'tail'],
    ...runIdCases('readMetrics', {}),
    ['readMetrics', { runId: run, sinceStep: -3 }, 'sinceStep'],
    ...runIdCases('exportMetrics', { format: 'csv' }),
    ['exportMetrics', { runId: run }, 'format'],
    ['exportMetrics', { runId: run, format: 'xml' }, 'format'],
    ...runIdCases('readSnapshot', { step: 0 }),
    ['readSnapshot', { runId: run }, 'step'],
    ['readSnapshot', { runId: run, step: 'first' }, 'step'],
    ['readSnapshot', { runId: run, step: -1 }, 'step'],
    ...runIdCases('generate', { prompts: ['a'] }),
    ['generate', { runId: run }, 'prompts'],
    ['generate', { runId: run, prompts: [] }, 'prompts'],
    ['generate', { runId: run, prompts: 'The' }, 'prompts'],
    ['generate', { runId: run, prompts: ['a'], maxTokens: 0 }, 'maxTokens'],
    ['generate', { runId: run, prompts: ['a'], maxTokens: 1e6 }, 'maxTokens'],
    ['generate', { runId: run, prompts: ['a'], temperature: -1 }, 'temperature'],
    ['generate', { runId: run, prompts: ['a'], topK: 2.5 }, 'topK'],
    ['generate', { runId: run, prompts: ['a'], seed: -1 }, 'seed'],
    ['generate', { runId: run, prompts: ['a'], discrete: 'yes' }, 'discrete'],
    ['generate', { runId: run, prompts: ['a'], generationId: 'a b' }, 'generationId'],
    ...runIdCases('evaluateCheckpoint', {}),
    ['evaluateCheckpoint', { runId: run, step: -1 }, 'step'],
    ['evaluateCheckpoint', { runId: run, step: 1.5 }, 'step'],
    ['evaluateCheckpoint', { runId: run, discrete: true }, 'discrete'],
    ['cancelGeneration', {}, 'generationId'],
    ['cancelGeneration', { generationId: 'x'.repeat(65) }, 'generationId'],
    ['estimateConfig', { preset: 5 }, 'preset'],
    ['estimateConfig', { config: 'x' }, 'config'],
    ['estimateConfig', { config: {}, extra: 1 }, 'extra'],
    ['estimateConfig', 'x', '(request)'],
    ...noArgs('listStudies'),
    ...studyBadCases(),
    ...settingsBadCases(),
  ];
}

export function defineContractSuite(name: string, makeClient: () => Promise<ContractClient>): void {
  describe(`${name}: malformed requests`, () => {
    let client: ContractClient;
    let run: RunRecord;

    beforeAll(async () => {
      client = await makeClient();
      run = await ok<RunRecord>(client, 'createRun', { preset: 'smoke' });
    });
    afterAll(async () => {
      await client?.close();
    });

    it('covers every method of the contract', () => {
      const covered = new Set(badCases(UNKNOWN_RUN).map(([method]) => method));
      expect(METHOD_NAMES.filter((method) => !covered.has(method))).toEqual([]);
    });

    it.each(badCases('RUN'))(
      '%s %j -> invalid_request naming %s, nothing written',
      async (method, request, field) => {
        const filled = JSON.parse(JSON.stringify(request).replaceAll('RUN', run.id)) as unknown;
        const before = listing(client.dataDir);
        const error = await failure(client, method, filled);
        expect(error.code).toBe('invalid_request');
        expect(error.issues?.map((issue) => issue.path)).toContain(field);
        expect(error.message).toContain(field);
        expect(listing(client.dataDir)).toEqual(before);
      },
    );

    it('an unknown method is unknown_method', async () => {
      expect((await failure(client, 'formatDisk', {})).code).toBe('unknown_method');
    });

    it('a well-formed id of no run is not_found, for every method that takes one', async () => {
      const requests: [MethodName, object][] = [
        ['getRun', {}],
        ['deleteRun', {}],
        ['updateRun', { name: 'x' }],
        ['startRun', {}],
        ['pauseRun', {}],
        ['resumeRun', {}],
        ['stopRun', {}],
        ['forkRun', {}],
        ['transitionRun', {}],
        ['readLog', {}],
        ['readMetrics', {}],
        ['exportMetrics', { format: 'csv' }],
        ['readSnapshot', { step: 0 }],
        ['generate', { prompts: ['a'] }],
        ['evaluateCheckpoint', {}],
      ];
      const before = listing(client.dataDir);
      for (const [method, rest] of requests) {
        const error = await failure(client, method, { ...rest, runId: UNKNOWN_RUN });
        expect(error.code, method).toBe('not_found');
      }
      for (const method of ['getStudy', 'deleteStudy'] as const) {
        const error = await failure(client, method, { studyId: UNKNOWN_RUN });
        expect(error.code, method).toBe('not_found');
      }
      expect(listing(client.dataDir)).toEqual(before);
    });

    it('commands that do not apply to a created run are conflicts', async () => {
      const methods = [
        'pauseRun',
        'resumeRun',
        'stopRun',
        'forkRun',
        'transitionRun',
        'generate',
        'evaluateCheckpoint',
      ];
      for (const method of methods) {
        const request =
          method === 'generate' ? { runId: run.id, prompts: ['a'] } : { runId: run.id };
        expect((await failure(client, method, request)).code, method).toBe('conflict');
      }
    });
  });

  describe(`${name}: a run's life`, () => {
    let client: ContractClient;
    let events: EventLog;
    let run: RunRecord;
    const steps = 200;

    beforeAll(async () => {
      client = await makeClient();
      events = new EventLog(client);
    });
    afterAll(async () => {
      events?.close();
      await client?.close();
    });

    it('lists presets, datasets and backends', async () => {
      const presets = await ok<{ name: string; config: { model: { ffn: string } } }[]>(
        client,
        'listPresets',
        {},
      );
      expect(presets.find((p) => p.name === 'smoke')?.config.model.ffn).toBe('mot');
      const datasets = await ok<{ id: string; kind: string }[]>(client, 'listDatasets', {});
      expect(datasets).toContainEqual(
        expect.objectContaining({
          id: 'brown',
          kind: 'builtin',
          corpus: { kind: 'builtin', name: 'brown' },
        }),
      );
      // Neither shell under test has a file dialog: the import says how to do it instead.
      const refused = await failure(client, 'importDataset', {});
      expect(refused.code).toBe('failed');
      // ... for the data dir being served (a terminal's default data dir may be another one).
      expect(refused.message).toContain(
        `npx mot datasets import FILE --data-dir ${client.dataDir}`,
      );
      const noFolder = await failure(client, 'attachFolder', {});
      expect(noFolder.code).toBe('failed');
      expect(noFolder.message).toContain(`npx mot attach PATH --data-dir ${client.dataDir}`);
      const backends = await ok<{ name: string; available: boolean }[]>(client, 'backendInfo', {});
      expect(backends).toContainEqual(expect.objectContaining({ name: 'cpu', available: true }));
    });

    it('creates a run from a preset and a partial config', async () => {
      run = await ok<RunRecord>(client, 'createRun', {
        preset: 'smoke',
        config: { train: { steps, evalEvery: 20, checkpointEvery: 20, snapshotEvery: 20 } },
      });
      expect(run).toMatchObject({ name: 'smoke', status: 'created', lastStep: 0 });
      expect(run.ffnSummary).toMatch(/^mot g4 E4/);
      const detail = await ok<{ config: { train: { steps: number } }; checkpoints: number[] }>(
        client,
        'getRun',
        {
          runId: run.id,
        },
      );
      expect(detail.config.train.steps).toBe(steps);
      expect(detail.checkpoints).toEqual([]);
      expect((await ok<RunRecord[]>(client, 'listRuns', {})).map((r) => r.id)).toContain(run.id);
    });

    it('starts it: queued, then running in its own process, with throttled progress', async () => {
      const queued = await ok<RunRecord>(client, 'startRun', { runId: run.id });
      expect(queued.status).toBe('queued');
      expect((await failure(client, 'startRun', { runId: run.id })).code).toBe('conflict');
      expect((await failure(client, 'deleteRun', { runId: run.id })).code).toBe('conflict');
      await events.waitFor('progress', () => events.maxStep(run.id) >= 1);
      expect(events.statuses(run.id).slice(0, 2)).toEqual(['queued', 'running']);
      const status = events.of('runStatus', run.id)[1];
      expect(status.record.status).toBe('running');
    });

    it('pauses in place: no steps while paused', async () => {
      const paused = await ok<RunRecord>(client, 'pauseRun', { runId: run.id });
      expect(paused.status).toBe('paused');
      expect((await failure(client, 'pauseRun', { runId: run.id })).code).toBe('conflict');
      await sleep(400); // records trained before the pause may still arrive
      const held = events.maxStep(run.id);
      await sleep(500);
      expect(events.maxStep(run.id)).toBe(held);
      expect(held).toBeLessThan(steps);
    });

    it('resumes, and the API stays responsive while the run trains', async () => {
      const held = events.maxStep(run.id);
      const resumed = await ok<RunRecord>(client, 'resumeRun', { runId: run.id });
      expect(resumed.status).toBe('running');
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        await ok(client, 'listRuns', {});
        latencies.push(performance.now() - started);
        await sleep(15);
      }
      await events.waitFor('progress after resume', () => events.maxStep(run.id) > held);
      console.info(
        `[${name}] listRuns while training: max ${Math.max(...latencies).toFixed(1)} ms, median ${latencies.sort((a, b) => a - b)[10].toFixed(1)} ms`,
      );
      // Training runs in its own process, so the API never waits for a step (hundreds of ms);
      // the bound leaves room for a loaded machine.
      expect(Math.max(...latencies)).toBeLessThan(250);
    });

    it('stops after the current step with a final checkpoint', async () => {
      const stopped = await ok<RunRecord>(client, 'stopRun', { runId: run.id });
      expect(stopped.status).toBe('stopped');
      expect(stopped.lastStep).toBeGreaterThan(0);
      expect(stopped.lastStep).toBeLessThan(steps);
      const detail = await ok<{ checkpoints: number[] }>(client, 'getRun', { runId: run.id });
      expect(detail.checkpoints.at(-1)).toBe(stopped.lastStep);
      expect(events.statuses(run.id)).toEqual([
        'queued',
        'running',
        'paused',
        'running',
        'stopped',
      ]);
      expect((await failure(client, 'stopRun', { runId: run.id })).code).toBe('conflict');
    });

    it('starts again: resumes from that checkpoint and completes every step once', async () => {
      const from = (
        await ok<RunRecord>(client, 'getRun', { runId: run.id }).then(
          (d) => (d as unknown as { record: RunRecord }).record,
        )
      ).lastStep;
      const progressBefore = events.of('runProgress', run.id).length;
      await ok(client, 'startRun', { runId: run.id });
      await events.waitForStatus(run.id, 'completed');
      const logs = events.of('runLog', run.id).map((e) => e.line);
      expect(logs.some((line) => line.includes(`resume from step ${from}`))).toBe(true);
      const { records, skipped } = await ok<{ records: MetricRecord[]; skipped: number }>(
        client,
        'readMetrics',
        {
          runId: run.id,
        },
      );
      expect(skipped).toBe(0);
      const trainSteps = records.filter((r) => r.type === 'train').map((r) => r.step);
      expect(trainSteps).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
      // About 10 progress events a second at most: far fewer than the steps they carry.
      const progress = events.of('runProgress', run.id).slice(progressBefore);
      const stamps = events.seen
        .filter((e) => e.event === 'runProgress' && e.payload.runId === run.id)
        .slice(progressBefore);
      const seconds = (stamps.at(-1)!.at - stamps[0].at) / 1000;
      // Arrival times are the client's: on a loaded machine batches can arrive bunched, so the
      // bound has slack; the server sends at most one batch per 100 ms (progress-batcher.test.ts).
      expect(progress.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 10);
      expect(progress.flatMap((e) => e.records).filter((r) => r.type === 'train').length).toBe(
        steps - from,
      );
      const record = (await ok<{ record: RunRecord }>(client, 'getRun', { runId: run.id })).record;
      expect(record).toMatchObject({
        status: 'completed',
        lastStep: steps,
        tokensSeen: steps * 8 * 16,
      });
      expect((await failure(client, 'startRun', { runId: run.id })).code).toBe('conflict');
    });

    it('records its training time (pauses excluded) and keeps its whole log', async () => {
      const { record } = await ok<{ record: RunRecord }>(client, 'getRun', { runId: run.id });
      const { records } = await ok<{ records: MetricRecord[] }>(client, 'readMetrics', {
        runId: run.id,
        sinceStep: steps,
      });
      const last = records.filter((r) => r.type === 'train').at(-1);
      expect(record.elapsedMs).toBe(last?.elapsedMs);
      // Far less than creation to completion, which includes the pause and the stop.
      const span = Date.parse(record.updatedAt) - Date.parse(record.createdAt);
      expect(record.elapsedMs).toBeGreaterThan(0);
      expect(record.elapsedMs).toBeLessThan(span);

      const log = await ok<{ lines: string[]; totalLines: number }>(client, 'readLog', {
        runId: run.id,
      });
      expect(log.lines[0]).toMatch(/ start on /);
      expect(log.lines.some((line) => / resume from step \d+ on /.test(line))).toBe(true);
      expect(log.lines.at(-1)).toMatch(/ completed at step 200$/);
      expect(log.totalLines).toBe(log.lines.length);
      const tail = await ok<{ lines: string[] }>(client, 'readLog', { runId: run.id, tail: 2 });
      expect(tail.lines).toEqual(log.lines.slice(-2));
    });

    it('reads metrics since a step, and exports them as CSV and JSON', async () => {
      const since = await ok<{ records: MetricRecord[] }>(client, 'readMetrics', {
        runId: run.id,
        sinceStep: 190,
      });
      expect(Math.min(...since.records.map((r) => r.step))).toBe(190);
      const csv = await ok<{ filename: string; mimeType: string; content: string }>(
        client,
        'exportMetrics',
        {
          runId: run.id,
          format: 'csv',
        },
      );
      expect(csv.mimeType).toBe('text/csv');
      expect(csv.filename).toMatch(/\.csv$/);
      const lines = csv.content.trim().split('\n');
      expect(lines[0]).toBe(CSV_HEADER);
      expect(lines).toHaveLength(steps + 1);
      const row20 = lines[20].split(',');
      expect(row20[0]).toBe('20');
      expect(Number(row20.at(-1))).toBeGreaterThan(0); // evaluated at step 20
      expect(lines[21].split(',').at(-1)).toBe('');
      const json = await ok<{ content: string; mimeType: string }>(client, 'exportMetrics', {
        runId: run.id,
        format: 'json',
      });
      expect(json.mimeType).toBe('application/json');
      const all = JSON.parse(json.content) as MetricRecord[];
      expect(all.filter((r) => r.type === 'eval').map((r) => r.step)).toEqual(
        Array.from({ length: steps / 20 }, (_, i) => (i + 1) * 20),
      );
    });

    it('reads mixing snapshots', async () => {
      const snapshot = await ok<{ step: number; layers: { kind: string; groupSize: number }[] }>(
        client,
        'readSnapshot',
        {
          runId: run.id,
          step: 20,
        },
      );
      expect(snapshot.step).toBe(20);
      expect(snapshot.layers[0]).toMatchObject({ kind: 'mot', groupSize: 4 });
      expect((await failure(client, 'readSnapshot', { runId: run.id, step: 7 })).code).toBe(
        'not_found',
      );
    });

    it('generates from the latest checkpoint in full MoT groups', async () => {
      const out = await ok<{
        step: number;
        groupSize: number;
        outputs: { tokens: unknown[] }[];
        companions: unknown[];
      }>(client, 'generate', { runId: run.id, prompts: ['The '], maxTokens: 8, seed: 3 });
      expect(out).toMatchObject({ step: steps, groupSize: 4 });
      expect(out.outputs[0].tokens).toHaveLength(8);
      expect(out.companions).toHaveLength(3);
      expect(
        (
          await failure(client, 'generate', {
            runId: run.id,
            step: await stepWithoutCheckpoint(client, run.id),
            prompts: ['a'],
          })
        ).code,
      ).toBe('not_found');
    });

    it('evaluates a checkpoint: as trained it scores what the trainer measured there', async () => {
      const out = await ok<CheckpointEvaluation>(client, 'evaluateCheckpoint', {
        runId: run.id,
        step: 20,
      });
      expect(out).toMatchObject({ runId: run.id, step: 20, ffn: 'mot' });
      // smoke: MoT g 4, batch 8: as trained, discrete, then g 2, 8 and 1 (16 does not divide 8).
      expect(out.rows.map((row) => [row.mode, row.groupSize])).toEqual([
        ['trained', 4],
        ['discrete', 4],
        ['group-size', 2],
        ['group-size', 8],
        ['group-size', 1],
      ]);
      const { records } = await ok<{ records: MetricRecord[] }>(client, 'readMetrics', {
        runId: run.id,
      });
      const measured = records.find((r) => r.type === 'eval' && r.step === 20);
      expect(measured?.type).toBe('eval');
      if (measured?.type !== 'eval') return;
      expect(out.rows[0].validationLoss).toBeCloseTo(measured.validationLoss, 4);
      expect(out.rows[0].evalTokens).toBe(measured.evalTokens);
      expect(
        (
          await failure(client, 'evaluateCheckpoint', {
            runId: run.id,
            step: await stepWithoutCheckpoint(client, run.id),
          })
        ).code,
      ).toBe('not_found');
    });

    let fork: RunRecord;
    it('forks from a checkpoint with new training settings, continuing the step axis', async () => {
      fork = await ok<RunRecord>(client, 'forkRun', {
        runId: run.id,
        step: 20,
        changes: { train: { learningRate: 1e-3, steps: 30 } },
      });
      expect(fork).toMatchObject({
        status: 'created',
        parent: { runId: run.id, step: 20 },
        lastStep: 20,
      });
      const detail = await ok<{
        config: { train: { steps: number; learningRate: number } };
        checkpoints: number[];
      }>(client, 'getRun', { runId: fork.id });
      expect(detail.config.train).toMatchObject({ steps: 30, learningRate: 1e-3 });
      expect(detail.checkpoints).toEqual([20]);
      const copied = await ok<{ records: MetricRecord[] }>(client, 'readMetrics', {
        runId: fork.id,
      });
      expect(copied.records.filter((r) => r.type === 'train').map((r) => r.step)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );

      await ok(client, 'startRun', { runId: fork.id });
      await events.waitForStatus(fork.id, 'completed');
      expect(events.of('runLog', fork.id).some((e) => e.line.includes('resume from step 20'))).toBe(
        true,
      );
      const { records } = await ok<{ records: MetricRecord[] }>(client, 'readMetrics', {
        runId: fork.id,
      });
      const train = records.filter((r) => r.type === 'train');
      expect(train.map((r) => r.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(train[20].tokens).toBe(21 * 8 * 16); // the token count continues too
      expect(train[29].learningRate).toBeLessThanOrEqual(1e-3);
    });

    it('transition-tunes to a top-1 MoE child that trains on from the switch step', async () => {
      const child = await ok<RunRecord>(client, 'transitionRun', {
        runId: run.id,
        step: 100,
        extraSteps: 5,
        loadBalanceWeight: 0.02,
      });
      expect(child).toMatchObject({
        status: 'created',
        parent: { runId: run.id, step: 100 },
        lastStep: 100,
        tokensSeen: 100 * 8 * 16,
      });
      expect(child.tags).toContain('transition');
      expect(child.ffnSummary).toMatch(/^moe top1 E4/);
      expect(child.elapsedMs).toBeGreaterThan(0);
      const detail = await ok<{
        config: { model: { ffn: string; moe: Record<string, unknown> }; train: { steps: number } };
        checkpoints: number[];
      }>(client, 'getRun', { runId: child.id });
      expect(detail.config.model.ffn).toBe('moe');
      expect(detail.config.model.moe).toMatchObject({
        topK: 1,
        capacityFactor: 1.25,
        loadBalanceWeight: 0.02,
      });
      expect(detail.config.train.steps).toBe(105);
      expect(detail.checkpoints).toEqual([100]);

      await ok(client, 'startRun', { runId: child.id });
      await events.waitForStatus(child.id, 'completed');
      const { records } = await ok<{ records: MetricRecord[] }>(client, 'readMetrics', {
        runId: child.id,
      });
      const train = records.filter((r) => r.type === 'train');
      expect(train.map((r) => r.step)).toEqual(Array.from({ length: 105 }, (_, i) => i + 1));
      expect(train[99]?.layers[0]?.kind).toBe('mot'); // the parent's, copied
      expect(train[100]?.layers[0]?.kind).toBe('moe');
      expect((await failure(client, 'transitionRun', { runId: child.id })).code).toBe('conflict');
      expect(
        (
          await failure(client, 'transitionRun', {
            runId: run.id,
            step: await stepWithoutCheckpoint(client, run.id),
          })
        ).code,
      ).toBe('not_found');
    });

    it('refuses a fork that changes parameter shapes or ends before it starts, writing nothing', async () => {
      const before = await settledListing(client.dataDir);
      const shapes = await failure(client, 'forkRun', {
        runId: run.id,
        step: 20,
        changes: { model: { dModel: 64 } },
      });
      expect(shapes.code).toBe('invalid_request');
      expect(shapes.issues?.map((i) => i.path)).toContain('changes.model.dModel');
      const short = await failure(client, 'forkRun', {
        runId: run.id,
        step: 20,
        changes: { train: { steps: 10 } },
      });
      expect(short.issues?.map((i) => i.path)).toContain('changes.train.steps');
      const missing = await failure(client, 'forkRun', {
        runId: run.id,
        step: await stepWithoutCheckpoint(client, run.id),
      });
      expect(missing.code).toBe('not_found');
      expect(listing(client.dataDir)).toEqual(before);
    });

    it('estimates valid configs and reports invalid ones by field', async () => {
      type Estimate = {
        issues: { path: string }[];
        paramsTotal: number;
        paramsActive: number;
        memoryBytes: number;
        vocabSize: number;
        flopsPerToken: { train: number };
      };
      const smoke = await ok<Estimate>(client, 'estimateConfig', { preset: 'smoke' });
      expect(smoke.issues).toEqual([]);
      expect(smoke.vocabSize).toBe(257);
      expect(smoke.paramsActive).toBe(smoke.paramsTotal);
      expect(smoke.memoryBytes).toBeGreaterThan(12 * smoke.paramsTotal);
      expect(smoke.flopsPerToken.train).toBeGreaterThan(0);
      const moe = await ok<Estimate>(client, 'estimateConfig', { preset: 'tiny-moe' });
      expect(moe.paramsActive).toBeLessThan(moe.paramsTotal);
      const bpe = await ok<Estimate>(client, 'estimateConfig', {
        preset: 'smoke',
        config: { data: { tokenizer: { kind: 'bpe', vocabSize: 1024 } } },
      });
      expect(bpe.vocabSize).toBe(1024);
      expect(bpe.paramsTotal).toBeGreaterThan(smoke.paramsTotal);
      const bad = await ok<Estimate>(client, 'estimateConfig', {
        preset: 'smoke',
        config: { model: { heads: 3 } },
      });
      expect(bad.issues.map((i) => i.path)).toContain('model.heads');
      expect(bad.paramsTotal).toBeUndefined();
      const unknown = await ok<Estimate>(client, 'estimateConfig', { preset: 'nope' });
      expect(unknown.issues.map((i) => i.path)).toEqual(['preset']);
    });

    it('renames, tags and annotates a run', async () => {
      const updated = await ok<RunRecord>(client, 'updateRun', {
        runId: fork.id,
        name: 'lower lr',
        tags: ['fork', 'lr'],
        notes: 'continues at 1e-3',
      });
      expect(updated).toMatchObject({
        name: 'lower lr',
        tags: ['fork', 'lr'],
        notes: 'continues at 1e-3',
      });
      const listed = (await ok<RunRecord[]>(client, 'listRuns', {})).find((r) => r.id === fork.id);
      expect(listed?.name).toBe('lower lr');
    });

    it('deletes a run; its fork keeps its own copy', async () => {
      expect(await ok(client, 'deleteRun', { runId: run.id })).toEqual({ deleted: run.id });
      expect((await failure(client, 'getRun', { runId: run.id })).code).toBe('not_found');
      const detail = await ok<{ record: RunRecord; checkpoints: number[] }>(client, 'getRun', {
        runId: fork.id,
      });
      expect(detail.record.parent?.runId).toBe(run.id);
      expect(detail.checkpoints).toContain(30);
      const out = await ok<{ step: number }>(client, 'generate', {
        runId: fork.id,
        prompts: ['a'],
        maxTokens: 2,
      });
      expect(out.step).toBe(30);
    });
  });
}
