/**
 * Damage the store handles and says so: a catalog with one bad record keeps every record that
 * parses (and says what it set aside: one line from the CLI, a notice in the API); crash
 * leftovers are cleaned on open; a run folder deleted while a workbench runs is dropped with a
 * notice; a torn last line of metrics.jsonl is reported.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiResult, StoreNoticeInfo } from '../../src/core/api/contract';
import type { RunRecord } from '../../src/core/api/run-record';
import { RunStore, newRunId } from '../../src/services/store';
import { Workbench } from '../../src/services/workbench';
import { MOT, freshDir } from '../cli/run-mot';

const open: Workbench[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((workbench) => workbench.close()));
});

async function openWorkbench(dataDir: string): Promise<Workbench> {
  const workbench = await Workbench.open(dataDir);
  open.push(workbench);
  return workbench;
}

function value<T>(result: ApiResult<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

const catalogPath = (dataDir: string) => join(dataDir, 'catalog.json');

/** Two runs, then catalog.json edited as an older app wrote it (with a study) and one bad field. */
async function damagedCatalog(): Promise<{
  dataDir: string;
  bad: RunRecord;
  good: RunRecord;
  studyId: string;
}> {
  const dataDir = freshDir();
  const store = await RunStore.open(dataDir);
  const bad = await store.create({ name: 'bad field', config: {}, ffnSummary: 'dense' });
  const good = await store.create({ name: 'fine', config: {}, ffnSummary: 'mot' });
  const catalog = JSON.parse(readFileSync(catalogPath(dataDir), 'utf8'));
  catalog.runs.find((r: RunRecord) => r.id === bad.id).lastStep = -1;
  catalog.settings = { theme: 'dark' };
  const studyId = newRunId();
  catalog.studies = [
    {
      id: studyId,
      name: 'old study',
      createdAt: new Date().toISOString(),
      baseConfig: {},
      grid: { 'model.ffn': ['dense', 'mot'] },
      runs: [{ runId: good.id, values: { 'model.ffn': 'mot' } }],
    },
  ];
  writeFileSync(catalogPath(dataDir), JSON.stringify(catalog));
  return { dataDir, bad, good, studyId };
}

describe('catalog repair', () => {
  it('keeps every record that parses and says in one CLI line what it set aside', async () => {
    const { dataDir, bad, good, studyId } = await damagedCatalog();
    const out = spawnSync(process.execPath, [MOT, 'runs', '--json'], {
      env: { ...process.env, MOT_DATA_DIR: dataDir },
      encoding: 'utf8',
    });
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^mot: repaired catalog.json: set aside 1 damaged record \\(run ${bad.id}: .*lastStep`,
      ),
    );
    expect(lines[0]).toMatch(/kept the original as catalog\.corrupt-.*\.json/);
    const listed = (JSON.parse(out.stdout) as RunRecord[]).map((r) => r.id).sort();
    expect(listed).toEqual([bad.id, good.id].sort());

    const store = await RunStore.open(dataDir);
    expect(store.settings()).toEqual({ theme: 'dark' });
    expect(store.studies.list().map((s) => s.id)).toEqual([studyId]);
    expect(store.get(bad.id).lastStep).toBe(0); // from its run.json
    expect(store.notices).toEqual([]); // repaired once, clean since
    expect(readdirSync(dataDir).filter((n) => n.startsWith('catalog.corrupt-'))).toHaveLength(1);
  });

  it('the API reports the repair for the app to show', async () => {
    const { dataDir, bad } = await damagedCatalog();
    const workbench = await openWorkbench(dataDir);
    const notices = value<StoreNoticeInfo[]>(await workbench.handle('storeNotices', {}));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'catalog-repaired' });
    expect(notices[0]?.message).toContain(bad.id);
  });

  it('removes temp files crashed writers left (the old fixed .catalog.json.tmp included)', async () => {
    const dataDir = freshDir();
    const store = await RunStore.open(dataDir);
    const run = await store.create({ name: 'r', config: {}, ffnSummary: 'dense' });
    const leftovers = [
      join(dataDir, '.catalog.json.tmp'),
      join(dataDir, '.catalog.json.tmp-0123abcd'),
      join(store.runDir(run.id), '.run.json.tmp-0123abcd'),
      join(store.runDir(run.id), '.owner.json.tmp-89abcdef'),
    ];
    for (const file of leftovers) writeFileSync(file, '{"half":');
    await RunStore.open(dataDir);
    expect(leftovers.filter((file) => existsSync(file))).toEqual([]);
    expect(existsSync(join(store.runDir(run.id), 'run.json'))).toBe(true);
  });
});

describe('damage noticed while running', () => {
  it('a run folder deleted while the workbench runs is dropped from the list with a notice', async () => {
    const workbench = await openWorkbench(freshDir());
    const run = value<RunRecord>(await workbench.handle('createRun', { preset: 'smoke' }));
    rmSync(workbench.store.runDir(run.id), { recursive: true });
    const runs = value<RunRecord[]>(await workbench.handle('listRuns', {}));
    expect(runs.map((r) => r.id)).not.toContain(run.id);
    const notices = value<StoreNoticeInfo[]>(await workbench.handle('storeNotices', {}));
    expect(notices).toEqual([
      expect.objectContaining({
        kind: 'run-folder-missing',
        message: expect.stringContaining(run.id),
      }),
    ]);
  });

  it('a torn last line of metrics.jsonl is reported, not silently dropped', async () => {
    const workbench = await openWorkbench(freshDir());
    const run = value<RunRecord>(await workbench.handle('createRun', { preset: 'smoke' }));
    await workbench.store.appendMetrics(run.id, [{ type: 'train', step: 1, loss: 5 }]);
    appendFileSync(join(workbench.store.runDir(run.id), 'metrics.jsonl'), '{"type":"eval","st');
    const read = value<{ records: unknown[] }>(
      await workbench.handle('readMetrics', { runId: run.id }),
    );
    expect(read.records).toHaveLength(1);
    const notices = value<StoreNoticeInfo[]>(await workbench.handle('storeNotices', {}));
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'metrics-torn', message: expect.stringContaining(run.id) }),
    ]);
  });
});
