/**
 * readMetrics follows metrics.jsonl as it grows: each call parses only what was appended since
 * the last one, keeps a torn last line for when its write completes, and starts over when the
 * file is rewritten or truncated.
 */
import { appendFileSync, mkdtempSync, openSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/services/store';

let store: RunStore;
let runId: string;
let file: string;

beforeEach(async () => {
  store = await RunStore.open(join(mkdtempSync(join(tmpdir(), 'mot-metrics-')), 'data'));
  const run = await store.create({ name: 'r', config: {}, ffnSummary: 'dense' });
  runId = run.id;
  file = join(store.dataDir, 'runs', runId, 'metrics.jsonl');
});

const steps = (records: object[]) => records.map((r) => (r as { step: number }).step);
const record = (step: number) => ({ kind: 'train', step, lmLoss: 5 - step / 100 });

describe('readMetrics reads only what was appended', () => {
  it('does not parse lines it has read before again', async () => {
    await store.appendMetrics(runId, [record(1), record(2), record(3)]);
    expect(steps(store.readMetrics(runId).records)).toEqual([1, 2, 3]);
    // Damage the first line in place (same length, same file): a reader that re-parsed the
    // whole file would now skip it; one that reads only new bytes never looks at it again.
    const fd = openSync(file, 'r+');
    writeSync(fd, 'X', 0);
    closeSync(fd);
    await store.appendMetrics(runId, [record(4), record(5)]);
    const read = store.readMetrics(runId);
    expect(steps(read.records)).toEqual([1, 2, 3, 4, 5]);
    expect(read.skipped).toBe(0);
  });

  it('answers sinceStep from what it holds', async () => {
    await store.appendMetrics(runId, [record(1), record(2), record(3)]);
    expect(steps(store.readMetrics(runId, 2).records)).toEqual([2, 3]);
    await store.appendMetrics(runId, [record(4)]);
    expect(steps(store.readMetrics(runId, 3).records)).toEqual([3, 4]);
    expect(steps(store.readMetrics(runId).records)).toEqual([1, 2, 3, 4]);
  });

  it('reports a torn last line, then reads it once its write completes', async () => {
    await store.appendMetrics(runId, [record(1), record(2)]);
    const line = JSON.stringify(record(3));
    appendFileSync(file, line.slice(0, 10));
    const torn = store.readMetrics(runId);
    expect(steps(torn.records)).toEqual([1, 2]);
    expect(torn.tornTail).toBe(true);
    appendFileSync(file, `${line.slice(10)}\n`);
    const whole = store.readMetrics(runId);
    expect(steps(whole.records)).toEqual([1, 2, 3]);
    expect(whole.tornTail).toBe(false);
  });

  it('keeps a complete last record that lost only its newline, without consuming it twice', async () => {
    await store.appendMetrics(runId, [record(1)]);
    appendFileSync(file, JSON.stringify(record(2)));
    expect(steps(store.readMetrics(runId).records)).toEqual([1, 2]);
    // The next append starts a new line first; record 2 is then read once, not twice.
    await store.appendMetrics(runId, [record(3)]);
    expect(steps(store.readMetrics(runId).records)).toEqual([1, 2, 3]);
  });

  it('starts over after truncateMetrics rewrites the file', async () => {
    await store.appendMetrics(runId, [1, 2, 3, 4].map(record));
    expect(steps(store.readMetrics(runId).records)).toEqual([1, 2, 3, 4]);
    await store.truncateMetrics(runId, 2);
    expect(steps(store.readMetrics(runId).records)).toEqual([1, 2]);
    await store.appendMetrics(runId, [3, 4, 5].map(record));
    expect(steps(store.readMetrics(runId).records)).toEqual([1, 2, 3, 4, 5]);
  });

  it('starts over when the file is truncated in place and written again', async () => {
    await store.appendMetrics(runId, [1, 2, 3].map(record));
    expect(steps(store.readMetrics(runId).records)).toEqual([1, 2, 3]);
    truncateSync(file, 0);
    expect(store.readMetrics(runId).records).toEqual([]);
    await store.appendMetrics(runId, [
      record(7),
      { kind: 'train', step: 8, note: 'x'.repeat(200) },
    ]);
    expect(steps(store.readMetrics(runId).records)).toEqual([7, 8]);
  });
});
