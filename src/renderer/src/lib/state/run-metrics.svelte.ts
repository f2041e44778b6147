/**
 * One run's metric records in the page: the initial `readMetrics`, then every `runProgress` event
 * appended. The record arrays are plain (never proxied: a 100,000-step run has 100,000 records);
 * `version` is the reactive signal that they grew, `generation` that they were rebuilt.
 *
 * Chart series are cached per (metric, x axis) and extended in place as records arrive, so a live
 * chart appends points instead of rebuilding arrays.
 */
import type { Host } from '../../../../core/api/contract';
import { toShownError, type ShownError } from '../errors';
import {
  isLayerSeries,
  layerValue,
  xOf,
  type CompareMetric,
  type EvalRecord,
  type MetricRecord,
  type Point,
  type TrainRecord,
  type XAxis,
} from '../metrics';

interface CachedSeries {
  points: Point[];
  /** Records already turned into points. */
  consumed: number;
}

interface CachedSmoothed {
  points: Point[];
  consumed: number;
  last: number;
  debias: number;
}

export class RunMetrics {
  train: TrainRecord[] = [];
  evals: EvalRecord[] = [];
  /** Increases whenever records are added. */
  version = $state(0);
  /** Increases when the arrays were replaced (first load, or a resume that rewound the run). */
  generation = $state(0);
  loading = $state(true);
  error = $state.raw<ShownError | null>(null);
  /** Torn or unreadable lines the store skipped. */
  skipped = $state(0);

  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache; nothing renders from it
  #series = new Map<string, CachedSeries>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache; nothing renders from it
  #smoothed = new Map<string, CachedSmoothed>();
  /** Events that arrive while the first read is in flight, replayed after it. */
  #buffer: MetricRecord[] | null = [];
  #unsubscribe: () => void;

  constructor(
    private readonly host: Host,
    readonly runId: string,
  ) {
    this.#unsubscribe = host.on('runProgress', (event) => {
      if (event.runId !== runId) return;
      if (this.#buffer) this.#buffer.push(...event.records);
      else this.#append(event.records);
    });
    void this.load();
  }

  async load(): Promise<void> {
    this.loading = true;
    if (!this.#buffer) this.#buffer = [];
    try {
      const { records, skipped } = await this.host.call('readMetrics', { runId: this.runId });
      this.train = [];
      this.evals = [];
      this.#series.clear();
      this.#smoothed.clear();
      this.skipped = skipped;
      this.#append(records, false);
      const buffered = this.#buffer ?? [];
      this.#buffer = null;
      this.#append(buffered, false);
      this.error = null;
      this.generation++;
      this.version++;
    } catch (error) {
      this.#buffer = null;
      this.error = toShownError(error);
    } finally {
      this.loading = false;
    }
  }

  dispose(): void {
    this.#unsubscribe();
  }

  get lastTrain(): TrainRecord | undefined {
    void this.version;
    return this.train[this.train.length - 1];
  }

  get lastEval(): EvalRecord | undefined {
    void this.version;
    return this.evals[this.evals.length - 1];
  }

  get lastStep(): number {
    void this.version;
    return Math.max(this.lastTrain?.step ?? 0, this.lastEval?.step ?? 0);
  }

  /** Points of one metric against one x axis, extended to the newest record. Do not mutate. */
  series(metric: CompareMetric, axis: XAxis, block: number | null = null): Point[] {
    const key = `${metric}|${axis}${isLayerSeries(metric) && block !== null ? `|b${block}` : ''}`;
    let cached = this.#series.get(key);
    if (!cached) {
      cached = { points: [], consumed: 0 };
      this.#series.set(key, cached);
    }
    if (metric === 'validationLoss') {
      for (let i = cached.consumed; i < this.evals.length; i++) {
        const r = this.evals[i];
        cached.points.push({ x: xOf(r, axis), y: r.validationLoss });
      }
      cached.consumed = this.evals.length;
    } else if (isLayerSeries(metric)) {
      for (let i = cached.consumed; i < this.train.length; i++) {
        const r = this.train[i];
        const y = layerValue(r, metric, block);
        if (y !== undefined) cached.points.push({ x: xOf(r, axis), y });
      }
      cached.consumed = this.train.length;
    } else {
      for (let i = cached.consumed; i < this.train.length; i++) {
        const r = this.train[i];
        cached.points.push({ x: xOf(r, axis), y: r[metric] });
      }
      cached.consumed = this.train.length;
    }
    return cached.points;
  }

  /**
   * The series smoothed by a debiased EMA (as TensorBoard), extended incrementally like
   * `series`. weight 0 returns the raw series.
   */
  smoothed(
    metric: CompareMetric,
    axis: XAxis,
    weight: number,
    block: number | null = null,
  ): Point[] {
    const raw = this.series(metric, axis, block);
    if (weight <= 0) return raw;
    const series = `${metric}|${axis}${isLayerSeries(metric) && block !== null ? `|b${block}` : ''}`;
    const key = `${series}|${weight}`;
    let cached = this.#smoothed.get(key);
    if (!cached || cached.consumed > raw.length) {
      // One smoothing weight per series is kept: a moved slider replaces the old one.
      for (const other of [...this.#smoothed.keys()]) {
        if (other.startsWith(`${series}|`) && other.split('|').length === key.split('|').length)
          this.#smoothed.delete(other);
      }
      cached = { points: [], consumed: 0, last: 0, debias: 1 };
      this.#smoothed.set(key, cached);
    }
    for (let i = cached.consumed; i < raw.length; i++) {
      const { x, y } = raw[i];
      if (Number.isFinite(y)) {
        cached.last = cached.last * weight + (1 - weight) * y;
        cached.debias *= weight;
        cached.points.push({ x, y: cached.last / (1 - cached.debias) });
      } else {
        cached.points.push({ x, y });
      }
    }
    cached.consumed = raw.length;
    return cached.points;
  }

  /** The train record nearest to `step` (binary search). */
  trainAt(step: number): TrainRecord | undefined {
    const list = this.train;
    if (list.length === 0) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].step < step) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && step - list[lo - 1].step <= list[lo].step - step) return list[lo - 1];
    return list[lo];
  }

  #append(records: readonly MetricRecord[], signal = true): void {
    if (records.length === 0) return;
    let rebuilt = false;
    for (const record of records) {
      const lastTrainStep = this.train[this.train.length - 1]?.step ?? 0;
      const lastEvalStep = this.evals[this.evals.length - 1]?.step ?? 0;
      if (record.type === 'train') {
        if (record.step <= lastTrainStep) {
          // A resume from an earlier checkpoint: the run is training these steps again.
          this.#rewind(record.step);
          rebuilt = true;
        }
        this.train.push(record);
      } else {
        if (record.step < lastEvalStep) {
          this.#rewind(record.step);
          rebuilt = true;
        } else if (record.step === lastEvalStep) {
          this.evals.pop();
          rebuilt = true;
          this.#series.forEach((s, key) => key.startsWith('validationLoss|') && this.#reset(s));
          for (const key of [...this.#smoothed.keys()]) {
            if (key.startsWith('validationLoss|')) this.#smoothed.delete(key);
          }
        }
        this.evals.push(record);
      }
    }
    if (!signal) return;
    if (rebuilt) this.generation++;
    this.version++;
  }

  /** Drops records at `step` and later. */
  #rewind(step: number): void {
    this.train = this.train.filter((r) => r.step < step);
    this.evals = this.evals.filter((r) => r.step < step);
    this.#series.clear();
    this.#smoothed.clear();
  }

  #reset(series: CachedSeries): void {
    series.points.length = 0;
    series.consumed = 0;
  }
}
