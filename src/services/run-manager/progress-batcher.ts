/**
 * Batches metric records into progress messages, at most one per interval (100 ms: about 10 a
 * second, what a person can follow). A small model trains hundreds of steps a second; sending
 * each record alone would flood the IPC channel and every UI listening. No record is dropped:
 * a batch carries every record since the previous one.
 */
import type { MetricRecord } from '../../core/train/metrics';

export const PROGRESS_INTERVAL_MS = 100;

export class ProgressBatcher {
  private pending: MetricRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSent = -Infinity;

  constructor(
    private readonly send: (records: MetricRecord[]) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  push(record: MetricRecord): void {
    this.pending.push(record);
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - performance.now());
    // The trainer yields to the event loop after every step, so this timer fires between steps.
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends what is pending now (before a final message, so no record arrives after it). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.lastSent = performance.now();
    this.send(records);
  }
}
