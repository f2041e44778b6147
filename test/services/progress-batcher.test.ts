/** Progress is batched to about 10 messages a second, and no record is lost or reordered. */
import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../src/core/train/metrics';
import { ProgressBatcher } from '../../src/services/run-manager';

const record = (step: number) => ({ type: 'eval', step }) as unknown as MetricRecord;

describe('ProgressBatcher', () => {
  it('sends every record, in order, in at most one batch per 100 ms', async () => {
    const batches: { at: number; steps: number[] }[] = [];
    const batcher = new ProgressBatcher((records) =>
      batches.push({ at: performance.now(), steps: records.map((r) => r.step) }),
    );
    const started = performance.now();
    let step = 0;
    while (performance.now() - started < 450) {
      batcher.push(record(++step));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    batcher.flush();
    expect(batches.flatMap((b) => b.steps)).toEqual(Array.from({ length: step }, (_, i) => i + 1));
    expect(batches.length).toBeLessThanOrEqual(7);
    for (let i = 1; i < batches.length - 1; i++)
      expect(batches[i].at - batches[i - 1].at).toBeGreaterThanOrEqual(95);
  });

  it('sends the first record of a quiet run on the next turn, and flush() sends what is pending', async () => {
    const sent: number[][] = [];
    const batcher = new ProgressBatcher((records) => sent.push(records.map((r) => r.step)));
    batcher.push(record(1));
    await new Promise((resolve) => setTimeout(resolve, 40)); // well inside the 100 ms interval
    expect(sent).toEqual([[1]]); // no flush(): a quiet run does not wait for the interval
    batcher.push(record(2)); // within 100 ms of the last batch: held back
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toEqual([[1]]);
    batcher.flush();
    batcher.flush();
    expect(sent).toEqual([[1], [2]]);
  });
});
