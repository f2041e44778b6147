/**
 * Compare: the chosen runs' metrics (each a live RunMetrics), the plotted metric and x axis,
 * smoothing, grouping, zoom and y limits, and the cursor. The selection itself lives in the URL (#/compare?runs=).
 */
import { untrack } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import type { Host } from '../../../../core/api/contract';
import type { Grouping } from '../compare-groups';
import type { CompareMetric, XAxis } from '../metrics';
import { RunMetrics } from './run-metrics.svelte';

export class CompareState {
  metric = $state<CompareMetric>('lmLoss');
  xAxis = $state<XAxis>('step');
  smoothing = $state(0.6);
  logY = $state(false);
  /** For a layer metric: one block, or null for the mean over layers. */
  block = $state<number | null>(null);
  /** How runs are grouped into mean ± interval bands (see compare-groups). */
  grouping = $state.raw<Grouping>({ kind: 'none' });
  /** The zoomed x range (drag across the chart), or null for all of it. */
  xRange = $state.raw<[number, number] | null>(null);
  /** Fixed y limits typed by the user; null fits the data. */
  yMin = $state<number | null>(null);
  yMax = $state<number | null>(null);
  /** An x value on the current axis. */
  cursor = $state<number | null>(null);
  readonly metrics = new SvelteMap<string, RunMetrics>();

  constructor(private readonly host: Host) {}

  /** Keeps one RunMetrics per selected run: new ones load, dropped ones unsubscribe. */
  sync(runIds: readonly string[]): void {
    untrack(() => this.#sync(runIds));
  }

  #sync(runIds: readonly string[]): void {
    for (const [id, metrics] of this.metrics) {
      if (!runIds.includes(id)) {
        metrics.dispose();
        this.metrics.delete(id);
      }
    }
    for (const id of runIds) {
      if (!this.metrics.has(id)) this.metrics.set(id, new RunMetrics(this.host, id));
    }
  }

  dispose(): void {
    for (const metrics of this.metrics.values()) metrics.dispose();
    this.metrics.clear();
  }
}
