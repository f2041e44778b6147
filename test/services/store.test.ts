import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  RunStore,
  StoreError,
  appendJsonLines,
  defaultDataDir,
  readJsonLines,
  resolveDataDir,
  writeDirDurable,
} from '../../src/services/store/index';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mot-store-'));
  tempDirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

const baseInput = { name: 'tiny', config: { model: { dModel: 8 } }, ffnSummary: 'mot g8 E8' };

function expectStoreError(action: () => unknown, code: StoreError['code'], message?: RegExp): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe(code);
    if (message !== undefined) expect((error as StoreError).message).toMatch(message);
    return;
  }
  throw new Error('expected a StoreError');
}

async function expectStoreErrorAsync(
  promise: Promise<unknown>,
  code: StoreError['code'],
): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
}

describe('data dir', () => {
  it('matches Electron userData per platform', () => {
    expect(defaultDataDir({}, 'linux', '/home/a')).toBe('/home/a/.config/MoT Workbench');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/a')).toBe(
      '/xdg/MoT Workbench',
    );
    expect(defaultDataDir({}, 'darwin', '/Users/a')).toBe(
      '/Users/a/Library/Application Support/MoT Workbench',
    );
    expect(
      defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a'),
    ).toBe('C:\\Users\\a\\AppData\\Roaming\\MoT Workbench');
  });

  it('prefers the flag, then MOT_DATA_DIR, then the default', () => {
    expect(resolveDataDir('/flag', { MOT_DATA_DIR: '/env' })).toBe(path.resolve('/flag'));
    expect(resolveDataDir(undefined, { MOT_DATA_DIR: '/env' })).toBe(path.resolve('/env'));
    expect(resolveDataDir('', {})).toBe(defaultDataDir({}));
  });
});

describe('RunStore runs and catalog', () => {
  it('creates, lists, gets, updates and deletes a run', async () => {
    const store = await RunStore.open(await tempDir());
    const first = await store.create({ ...baseInput, tags: ['a'] });
    const second = await store.create({
      ...baseInput,
      name: 'fork',
      parent: { runId: first.id, step: 10 },
    });
    expect(first.id).toMatch(/^[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$/);
    expect(first).toMatchObject({
      status: 'created',
      tags: ['a'],
      notes: '',
      lastStep: 0,
      tokensSeen: 0,
    });
    expect(store.list().map((run) => run.id)).toEqual([second.id, first.id]);
    expect(store.readConfig(first.id)).toEqual(baseInput.config);
    expect(store.get(second.id).parent).toEqual({ runId: first.id, step: 10 });

    const updated = await store.update(first.id, {
      status: 'running',
      lastStep: 5,
      bestValidationLoss: 2.5,
    });
    expect(updated.updatedAt > first.updatedAt).toBe(true);
    expect(store.get(first.id)).toEqual(updated);
    const onDisk: unknown = JSON.parse(
      readFileSync(path.join(store.runDir(first.id), 'run.json'), 'utf8'),
    );
    expect(onDisk).toEqual(updated);
    const cleared = await store.update(first.id, { bestValidationLoss: undefined });
    expect('bestValidationLoss' in cleared).toBe(false);
    await expectStoreErrorAsync(store.update(first.id, { finalTrainLoss: Number.NaN }), 'invalid');

    await store.delete(first.id);
    expectStoreError(() => store.get(first.id), 'not_found');
    expect(existsSync(store.runDir(first.id))).toBe(false);
    expect(store.list().map((run) => run.id)).toEqual([second.id]);
    await expectStoreErrorAsync(store.delete(first.id), 'not_found');
  });

  it('keeps the catalog across reopen', async () => {
    const dataDir = await tempDir();
    const store = await RunStore.open(dataDir);
    const run = await store.create(baseInput);
    await store.update(run.id, { notes: 'kept' });
    await store.updateSettings({ theme: 'dark' });
    const reopened = await RunStore.open(dataDir);
    expect(reopened.list()).toEqual(store.list());
    expect(reopened.settings()).toEqual({ theme: 'dark' });
    expect(reopened.openReport).toEqual({
      badRecords: [],
      recoveredRunIds: [],
      droppedRunIds: [],
      unreadableRunFolders: [],
    });
  });

  it('sets a corrupt catalog aside and rebuilds it from run folders', async () => {
    const dataDir = await tempDir();
    const store = await RunStore.open(dataDir);
    const a = await store.create(baseInput);
    const b = await store.create({ ...baseInput, name: 'b' });
    await store.update(b.id, { status: 'completed', lastStep: 99 });
    const before = store.list();
    writeFileSync(path.join(dataDir, 'catalog.json'), '{"schemaVersion": 1, "runs": [tor');

    const reopened = await RunStore.open(dataDir);
    expect(reopened.list()).toEqual(before);
    const asideName = readdirSync(dataDir).find((name) => /^catalog\.corrupt-.*\.json$/.test(name));
    expect(asideName).toBeDefined();
    expect(readFileSync(path.join(dataDir, asideName as string), 'utf8')).toBe(
      '{"schemaVersion": 1, "runs": [tor',
    );
    expect(reopened.openReport.recoveredRunIds.sort()).toEqual([a.id, b.id].sort());
    expect(JSON.parse(readFileSync(path.join(dataDir, 'catalog.json'), 'utf8')).runs).toHaveLength(
      2,
    );
  });

  it('treats a catalog that fails validation as corrupt too', async () => {
    const dataDir = await tempDir();
    const run = await (await RunStore.open(dataDir)).create(baseInput);
    writeFileSync(
      path.join(dataDir, 'catalog.json'),
      JSON.stringify({ schemaVersion: 1, runs: [{ id: 5 }], settings: {} }),
    );
    const reopened = await RunStore.open(dataDir);
    expect(reopened.list().map((r) => r.id)).toEqual([run.id]);
    expect(reopened.openReport.corruptMovedTo).toMatch(/catalog\.corrupt-.*\.json$/);
  });

  it('opened without repair, leaves a corrupt catalog until its first save', async () => {
    const dataDir = await tempDir();
    const run = await (await RunStore.open(dataDir)).create(baseInput);
    writeFileSync(path.join(dataDir, 'catalog.json'), 'garbage');
    const secondary = await RunStore.open(dataDir, { repair: false });
    expect(secondary.list().map((r) => r.id)).toEqual([run.id]);
    expect(readFileSync(path.join(dataDir, 'catalog.json'), 'utf8')).toBe('garbage');
    await secondary.update(run.id, { notes: 'saved' });
    expect(readFileSync(secondary.openReport.corruptMovedTo as string, 'utf8')).toBe('garbage');
    expect((await RunStore.open(dataDir)).get(run.id).notes).toBe('saved');
  });

  it('refuses a newer schemaVersion without touching the file', async () => {
    const dataDir = await tempDir();
    const text = JSON.stringify({ schemaVersion: 2, runs: 'new shape', settings: {} });
    writeFileSync(path.join(dataDir, 'catalog.json'), text);
    await expect(RunStore.open(dataDir)).rejects.toThrow(/schemaVersion 2.*newer/);
    expect(readFileSync(path.join(dataDir, 'catalog.json'), 'utf8')).toBe(text);
    expect(readdirSync(dataDir).filter((name) => name.startsWith('catalog'))).toEqual([
      'catalog.json',
    ]);
  });

  it('reconciles folders with the catalog after a crash between the two writes', async () => {
    const dataDir = await tempDir();
    const store = await RunStore.open(dataDir);
    const kept = await store.create(baseInput);
    const catalogText = readFileSync(path.join(dataDir, 'catalog.json'), 'utf8');
    const orphan = await store.create({ ...baseInput, name: 'orphan' });
    await store.update(kept.id, { notes: 'newer in run.json' });
    writeFileSync(path.join(dataDir, 'catalog.json'), catalogText); // as if both catalog saves were lost

    const reopened = await RunStore.open(dataDir);
    expect(reopened.get(orphan.id).name).toBe('orphan');
    expect(reopened.get(kept.id).notes).toBe('newer in run.json');
  });

  it('finishes an interrupted delete on reopen', async () => {
    const dataDir = await tempDir();
    const store = await RunStore.open(dataDir);
    const run = await store.create(baseInput);
    await fs.rename(
      store.runDir(run.id),
      path.join(dataDir, 'runs', `.deleted-${run.id}-0badf00d`),
    );
    const reopened = await RunStore.open(dataDir);
    expect(reopened.list()).toEqual([]);
    expect(readdirSync(path.join(dataDir, 'runs'))).toEqual([]);
  });

  it('marks running, paused and queued runs interrupted, once', async () => {
    const dataDir = await tempDir();
    const store = await RunStore.open(dataDir);
    const running = await store.create(baseInput);
    const queued = await store.create(baseInput);
    const paused = await store.create(baseInput);
    const done = await store.create(baseInput);
    await store.update(running.id, { status: 'running' });
    await store.update(queued.id, { status: 'queued' });
    await store.update(paused.id, { status: 'paused' });
    await store.update(done.id, { status: 'completed' });
    expect((await store.markInterrupted()).sort()).toEqual(
      [running.id, queued.id, paused.id].sort(),
    );
    expect(await store.markInterrupted()).toEqual([]);
    expect(store.get(running.id).status).toBe('interrupted');
    expect(store.get(done.id).status).toBe('completed');
    const reopened = await RunStore.open(dataDir);
    expect(reopened.get(queued.id).status).toBe('interrupted');
    expect(await reopened.markInterrupted()).toEqual([]);
  });

  it('rejects ids that could escape the data folder', async () => {
    const dataDir = await tempDir();
    const store = await RunStore.open(path.join(dataDir, 'store'));
    for (const id of [
      '../x',
      '..',
      '20261129-044512-ab12/../../x',
      '/etc',
      '20261129-044512-AB12',
      '',
    ]) {
      expectStoreError(() => store.get(id), 'invalid');
      expectStoreError(() => store.runDir(id), 'invalid');
      expectStoreError(() => store.readConfig(id), 'invalid');
      await expectStoreErrorAsync(store.appendMetrics(id, [{ step: 1 }]), 'invalid');
      await expectStoreErrorAsync(store.update(id, { notes: 'x' }), 'invalid');
      await expectStoreErrorAsync(store.delete(id), 'invalid');
    }
    await expectStoreErrorAsync(
      store.create({ ...baseInput, parent: { runId: '../x', step: 1 } }),
      'invalid',
    );
    expect(readdirSync(dataDir)).toEqual(['store']);
    expectStoreError(() => store.get('20261129-044512-ab12'), 'not_found');
  });

  it('lands every one of 20 concurrent updates', async () => {
    const dataDir = await tempDir();
    const store = await RunStore.open(dataDir);
    const run = await store.create(baseInput);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update(run.id, i % 2 === 0 ? { lastStep: i } : { tags: [`t${i}`], notes: `n${i}` }),
      ),
    );
    const stamps = results.map((record) => record.updatedAt);
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(20);
    expect(store.get(run.id)).toMatchObject({ lastStep: 18, tags: ['t19'], notes: 'n19' });
    const reopened = await RunStore.open(dataDir);
    expect(reopened.get(run.id)).toEqual(store.get(run.id));
    expect(JSON.parse(readFileSync(path.join(store.runDir(run.id), 'run.json'), 'utf8'))).toEqual(
      store.get(run.id),
    );
  });
});

describe('metrics, snapshots and logs', () => {
  it('skips a torn last line, counts a corrupt middle line, filters by step', async () => {
    const store = await RunStore.open(await tempDir());
    const run = await store.create(baseInput);
    await store.appendMetrics(
      run.id,
      [1, 2, 3].map((step) => ({ step, loss: 4 - step })),
    );
    const file = path.join(store.runDir(run.id), 'metrics.jsonl');
    await fs.appendFile(file, '{"step": 4, "lo');
    expect(store.readMetrics(run.id)).toEqual({
      records: [1, 2, 3].map((step) => ({ step, loss: 4 - step })),
      skipped: 0,
      tornTail: true,
    });
    await store.appendMetrics(run.id, [{ step: 5, loss: 0.5 }], { fsync: true });
    const read = store.readMetrics(run.id, 3);
    expect(read.records).toEqual([
      { step: 3, loss: 1 },
      { step: 5, loss: 0.5 },
    ]);
    expect(read).toMatchObject({ skipped: 1, tornTail: false });
  });

  it('reads a missing log as empty and keeps an unterminated line that parses', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'log.jsonl');
    expect(readJsonLines(file)).toEqual({ records: [], skipped: 0, tornTail: false });
    await appendJsonLines(file, [{ a: 1 }]);
    await fs.appendFile(file, '{"a":2}');
    expect(readJsonLines(file).records).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('round-trips snapshots and appends log lines', async () => {
    const store = await RunStore.open(await tempDir());
    const run = await store.create(baseInput);
    await store.writeSnapshot(run.id, 200, { entropy: [0.5, 0.25] });
    await store.writeSnapshot(run.id, 100, { entropy: [1] });
    await store.writeSnapshot(run.id, 100, { entropy: [2] });
    expect(store.listSnapshotSteps(run.id)).toEqual([100, 200]);
    expect(store.readSnapshot(run.id, 100)).toEqual({ entropy: [2] });
    expect(readdirSync(path.join(store.runDir(run.id), 'snapshots'))).toEqual([
      'step-00000100.json',
      'step-00000200.json',
    ]);
    expectStoreError(() => store.readSnapshot(run.id, 300), 'not_found');
    await store.appendLog(run.id, 'one');
    await store.appendLog(run.id, 'two\n');
    expect(readFileSync(path.join(store.runDir(run.id), 'log.txt'), 'utf8')).toBe('one\ntwo\n');
  });
});

describe('checkpoints', () => {
  const specials = new Float32Array([
    Number.NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    1.5e-45,
    3.4028234663852886e38,
    -1,
  ]);
  const payloadNaN = new Float32Array(new Uint32Array([0x7fc00001, 0xffc12345]).buffer);

  it('round-trips tensors bit-exactly', async () => {
    const store = await RunStore.open(await tempDir());
    const run = await store.create(baseInput);
    const weight = Float32Array.from({ length: 12 }, (_, i) => Math.fround(i / 7 - 0.5));
    await store.writeCheckpoint(run.id, 42, { step: 42, rng: [1, 2] }, [
      { name: 'weight', shape: [3, 4], data: weight },
      { name: 'specials', shape: [specials.length], data: specials },
      { name: 'payloadNaN', shape: [2], data: payloadNaN },
      { name: 'scalar', shape: [], data: new Float32Array([7]) },
    ]);
    expect(store.listCheckpoints(run.id)).toEqual([42]);
    const checkpoint = store.readCheckpoint(run.id, 42);
    expect(checkpoint.meta).toEqual({ step: 42, rng: [1, 2] });
    const bits = (data: Float32Array) => [
      ...new Uint32Array(data.buffer, data.byteOffset, data.length),
    ];
    expect(checkpoint.tensors.get('weight')?.shape).toEqual([3, 4]);
    expect(bits(checkpoint.tensors.get('weight')?.data as Float32Array)).toEqual(bits(weight));
    expect(bits(checkpoint.tensors.get('specials')?.data as Float32Array)).toEqual(bits(specials));
    expect(bits(checkpoint.tensors.get('payloadNaN')?.data as Float32Array)).toEqual(
      bits(payloadNaN),
    );
    expect(checkpoint.tensors.get('scalar')).toEqual({ shape: [], data: new Float32Array([7]) });
    const bin = readFileSync(
      path.join(store.runDir(run.id), 'checkpoints', 'step-00000042', 'tensors.bin'),
    );
    expect(bin.length).toBe((12 + 8 + 2 + 1) * 4);
    expect(bin.readFloatLE(4)).toBe(Math.fround(1 / 7 - 0.5));
  });

  it('replaces an existing step and rejects bad shapes', async () => {
    const store = await RunStore.open(await tempDir());
    const run = await store.create(baseInput);
    await store.writeCheckpoint(run.id, 1, { v: 1 }, [
      { name: 'w', shape: [2], data: new Float32Array([1, 1]) },
    ]);
    await store.writeCheckpoint(run.id, 1, { v: 2 }, [
      { name: 'w', shape: [3], data: new Float32Array([2, 2, 2]) },
    ]);
    expect(store.readCheckpoint(run.id, 1).meta).toEqual({ v: 2 });
    expect(readdirSync(path.join(store.runDir(run.id), 'checkpoints'))).toEqual(['step-00000001']);
    await expectStoreErrorAsync(
      store.writeCheckpoint(run.id, 2, {}, [
        { name: 'w', shape: [2, 2], data: new Float32Array(3) },
      ]),
      'invalid',
    );
    expect(store.listCheckpoints(run.id)).toEqual([1]);
  });

  it('reports a truncated tensors.bin clearly', async () => {
    const store = await RunStore.open(await tempDir());
    const run = await store.create(baseInput);
    await store.writeCheckpoint(run.id, 3, {}, [
      { name: 'w', shape: [16], data: new Float32Array(16) },
    ]);
    await fs.truncate(
      path.join(store.runDir(run.id), 'checkpoints', 'step-00000003', 'tensors.bin'),
      40,
    );
    expectStoreError(
      () => store.readCheckpoint(run.id, 3),
      'invalid',
      /truncated: 40 bytes, its index needs 64/,
    );
  });

  it('ignores temp and incomplete folders, and restores a step caught mid-replacement', async () => {
    const store = await RunStore.open(await tempDir());
    const run = await store.create(baseInput);
    const dir = path.join(store.runDir(run.id), 'checkpoints');
    await store.writeCheckpoint(run.id, 5, { v: 5 }, [
      { name: 'w', shape: [1], data: new Float32Array([5]) },
    ]);
    mkdirSync(path.join(dir, '.step-00000009.tmp-deadbeef'));
    writeFileSync(path.join(dir, '.step-00000009.tmp-deadbeef', 'meta.json'), '{}');
    mkdirSync(path.join(dir, 'step-00000010'));
    writeFileSync(path.join(dir, 'step-00000010', 'meta.json'), '{}');
    expect(store.listCheckpoints(run.id)).toEqual([5]);

    await fs.rename(path.join(dir, 'step-00000005'), path.join(dir, '.step-00000005.old-0123abcd'));
    expect(store.listCheckpoints(run.id)).toEqual([5]);
    expect(store.readCheckpoint(run.id, 5).meta).toEqual({ v: 5 });
    await store.writeCheckpoint(run.id, 6, {}, []);
    expect(readdirSync(dir).sort()).toEqual(['step-00000005', 'step-00000006', 'step-00000010']);
  });

  it('writeDirDurable refuses to replace an existing folder unless asked', async () => {
    const dir = path.join(await tempDir(), 'target');
    await writeDirDurable(dir, { 'a.txt': 'one' });
    await expectStoreErrorAsync(writeDirDurable(dir, { 'a.txt': 'two' }), 'conflict');
    await writeDirDurable(dir, { 'b.txt': 'two' }, { replace: true });
    expect(readdirSync(dir)).toEqual(['b.txt']);
    expect(readdirSync(path.dirname(dir))).toEqual(['target']);
  });
});

describe('crash safety', () => {
  it('reads a consistent store after SIGKILL mid-write', async () => {
    const dataDir = await tempDir();
    const run = await (await RunStore.open(dataDir)).create(baseInput);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(fixtures, 'store-crash-writer.ts'), dataDir, run.id],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      void exited.then(() => reject(new Error(`writer exited early: ${stderr}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const store = await RunStore.open(dataDir);
    const metrics = store.readMetrics(run.id);
    expect(metrics.skipped).toBe(0);
    const steps = metrics.records.map((record) => (record as { step: number }).step);
    expect(steps.length).toBeGreaterThanOrEqual(6);
    const lastStep = steps.at(-1) as number;
    const checkpoints = store.listCheckpoints(run.id);
    expect(checkpoints).toContain(1);
    for (const step of checkpoints) {
      const { meta, tensors } = store.readCheckpoint(run.id, step);
      const writtenAt = (meta as { writtenAt: number }).writtenAt;
      expect((meta as { step: number }).step).toBe(step);
      expect(writtenAt).toBeLessThanOrEqual(lastStep);
      expect(tensors.get('weight')?.data.every((value) => value === writtenAt)).toBe(true);
      expect(tensors.get('bias')?.data.every((value) => value === -writtenAt)).toBe(true);
    }
    for (const step of store.listSnapshotSteps(run.id))
      expect(store.readSnapshot(run.id, step)).toMatchObject({ step });
    await store.writeCheckpoint(run.id, lastStep + 1, {}, []);
    expect(
      readdirSync(path.join(store.runDir(run.id), 'checkpoints')).every((name) =>
        name.startsWith('step-'),
      ),
    ).toBe(true);
  }, 30_000);
});

describe('RunStore: runs made by another process', () => {
  it('sees runs another store on the data dir created, and adopts folders the catalog lost', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mot-adopt-'));
    const app = await RunStore.open(dataDir);
    const mine = await app.create({ name: 'from the app', config: {}, ffnSummary: 'dense' });
    // A terminal's `mot train` opens its own store on the same data dir and creates a run.
    const terminal = await RunStore.open(dataDir);
    const theirs = await terminal.create({ name: 'from the CLI', config: {}, ffnSummary: 'mot' });
    expect(new Set(app.list().map((r) => r.id))).toEqual(new Set([mine.id, theirs.id]));
    // A folder whose catalog write was lost (a crash between the two) is adopted on sync.
    const lost = await terminal.create({ name: 'lost', config: {}, ffnSummary: 'mot' });
    const catalog = JSON.parse(readFileSync(path.join(dataDir, 'catalog.json'), 'utf8'));
    catalog.runs = catalog.runs.filter((r: { id: string }) => r.id !== lost.id);
    writeFileSync(path.join(dataDir, 'catalog.json'), JSON.stringify(catalog));
    expect(app.list().map((r) => r.id)).not.toContain(lost.id);
    await app.syncFolders();
    expect(app.list().map((r) => r.id)).toContain(lost.id);
    const reopened = await RunStore.open(dataDir);
    expect(reopened.list()).toHaveLength(3);
  });

  it('syncFromDisk takes newer run files another process wrote, and only those', async () => {
    const dataDir = await tempDir();
    const app = await RunStore.open(dataDir);
    const terminal = await RunStore.open(dataDir);
    const theirs = await terminal.create({ name: 'from the CLI', config: {}, ffnSummary: 'mot' });
    expect((await app.syncFromDisk()).map((r) => r.id)).toEqual([theirs.id]);
    expect(await app.syncFromDisk()).toEqual([]);
    await terminal.update(theirs.id, { status: 'running', lastStep: 20 });
    // Only the terminal saves the catalog: two processes saving it race on lowdb's temp file.
    const catalogFile = path.join(dataDir, 'catalog.json');
    const savedBefore = readFileSync(catalogFile, 'utf8');
    const [changed] = await app.syncFromDisk();
    expect(readFileSync(catalogFile, 'utf8')).toBe(savedBefore);
    expect(changed).toMatchObject({ id: theirs.id, status: 'running', lastStep: 20 });
    expect(app.get(theirs.id).status).toBe('running');
    // A run this process trains is skipped: its record is ahead of the file.
    await terminal.update(theirs.id, { status: 'completed' });
    expect(await app.syncFromDisk((id) => id === theirs.id)).toEqual([]);
    // This process's own later change stands (both write under the data-dir lock).
    await app.update(theirs.id, { notes: 'mine' });
    await app.syncFromDisk();
    expect(app.get(theirs.id).notes).toBe('mine');
    // A run this process creates is not reported back to it as another process's.
    const mine = await app.create({ name: 'mine', config: {}, ffnSummary: 'dense' });
    expect((await app.syncFromDisk()).map((r) => r.id)).not.toContain(mine.id);
  });
});
