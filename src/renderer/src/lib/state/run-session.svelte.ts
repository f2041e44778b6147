/**
 * A run's page: its detail (config, checkpoints, snapshots), its metrics, the step cursor that
 * ties the charts to the heatmaps, cached snapshots, the live log, and the control actions.
 */
import type { Host, RunDetail } from '../../../../core/api/contract';
import type { RunRecord } from '../../../../core/api/run-record';
import type { MixSnapshot } from '../../../../core/train/snapshot';
import { toShownError, type ShownError } from '../errors';
import { isTransition } from '../lineage';
import { nearestValue } from '../metrics';
import {
  divergedFromPoints,
  isDiverged,
  trainingWarnings,
  vocabSizeOf,
  type HealthWarning,
} from '../training-health';
import { RunMetrics } from './run-metrics.svelte';
import type { RunsState } from './runs.svelte';

const LOG_LINES = 300;
/** How often the detail (new checkpoints and snapshots) may be re-read while a run trains. */
const DETAIL_REFRESH_MS = 3000;

export type RunAction = 'start' | 'pause' | 'resume' | 'stop';

export class RunSession {
  detail = $state.raw<RunDetail | null>(null);
  detailError = $state.raw<ShownError | null>(null);
  /** The step the heatmaps show (nearest snapshot); null follows the newest. */
  cursor = $state<number | null>(null);
  /** The newest LOG_LINES lines of the run's log.txt: its history, then lines as they arrive. */
  log = $state.raw<string[]>([]);
  busy = $state<RunAction | 'fork' | 'transition' | null>(null);
  actionError = $state.raw<ShownError | null>(null);
  readonly metrics: RunMetrics;

  /** The freshest record: the catalogue's (kept current by events), else the detail's. */
  record = $derived.by(
    (): RunRecord | undefined => this.runs.byId(this.runId) ?? this.detail?.record,
  );
  /** The run's own training trouble (see training-health), from its metrics and record. */
  health = $derived.by((): { warnings: HealthWarning[]; diverged: boolean } => {
    void this.metrics.version;
    const config = this.detail?.config;
    const record = this.record;
    if (!config || !record) return { warnings: [], diverged: false };
    const vocabSize = vocabSizeOf(config.data.tokenizer);
    // A child's copied history is its parent's: judge only the steps it trained itself.
    const from = record.parent?.step ?? 0;
    const own = this.metrics.train.filter((r) => r.step > from);
    const transitionStep = isTransition(record, config) ? from : undefined;
    return {
      warnings: trainingWarnings(own, { vocabSize, transitionStep }),
      diverged: isDiverged(record, vocabSize) || divergedFromPoints(own, vocabSize),
    };
  });
  snapshotSteps = $derived(this.detail?.snapshots ?? []);
  /** The snapshot shown: nearest to the cursor, or the newest. */
  snapshotStep = $derived.by((): number | undefined => {
    const steps = this.snapshotSteps;
    if (steps.length === 0) return undefined;
    return this.cursor === null ? steps[steps.length - 1] : nearestValue(steps, this.cursor);
  });

  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache; nothing renders from it
  #snapshots = new Map<number, Promise<MixSnapshot>>();
  #unsubscribe: (() => void)[] = [];
  #lastDetailRead = 0;
  #detailTimer: ReturnType<typeof setTimeout> | null = null;
  /** Lines that arrive while the history is read; merged after it, without repeats. */
  #logBuffer: string[] | null = [];

  constructor(
    private readonly host: Host,
    private readonly runs: RunsState,
    readonly runId: string,
  ) {
    this.metrics = new RunMetrics(host, runId);
    this.#unsubscribe.push(
      host.on('runStatus', (event) => {
        // A status change can bring a final checkpoint: read the detail now.
        if (event.runId !== runId) return;
        if (this.#detailTimer) clearTimeout(this.#detailTimer);
        this.#detailTimer = null;
        void this.loadDetail();
      }),
      host.on('runProgress', (event) => {
        if (event.runId !== runId || !this.detail) return;
        const { train } = this.detail.config;
        const last = event.records[event.records.length - 1]?.step ?? 0;
        const lastSnapshot = this.detail.snapshots.at(-1) ?? 0;
        const lastCheckpoint = this.detail.checkpoints.at(-1) ?? 0;
        if (
          last >= lastSnapshot + train.snapshotEvery ||
          last >= lastCheckpoint + train.checkpointEvery
        ) {
          this.scheduleDetail(DETAIL_REFRESH_MS);
        }
      }),
      host.on('runLog', (event) => {
        if (event.runId !== runId) return;
        if (this.#logBuffer) this.#logBuffer.push(event.line);
        else this.log = [...this.log.slice(-(LOG_LINES - 1)), event.line];
      }),
    );
    void this.loadDetail();
    void this.loadLog();
  }

  /**
   * Reads the log's history. A line written while the read is in flight may be both in the file
   * and in an event; lines carry a millisecond timestamp, so equal lines are the same line.
   */
  async loadLog(): Promise<void> {
    let history: string[] = [];
    try {
      history = (await this.host.call('readLog', { runId: this.runId, tail: LOG_LINES })).lines;
    } catch {
      // An unreadable log leaves the live lines; the page has nothing better to say about it.
    }
    const live = (this.#logBuffer ?? []).filter((line) => !history.includes(line));
    this.#logBuffer = null;
    this.log = [...history, ...live].slice(-LOG_LINES);
  }

  async loadDetail(): Promise<void> {
    this.#lastDetailRead = Date.now();
    try {
      const detail = await this.host.call('getRun', { runId: this.runId });
      this.detail = detail;
      this.detailError = null;
      this.runs.rememberConfig(this.runId, detail.config);
    } catch (error) {
      this.detailError = toShownError(error);
    }
  }

  /** Re-reads the detail soon, at most once per DETAIL_REFRESH_MS. */
  scheduleDetail(minimumGapMs: number): void {
    if (this.#detailTimer) return;
    const wait = Math.max(0, this.#lastDetailRead + minimumGapMs - Date.now());
    this.#detailTimer = setTimeout(() => {
      this.#detailTimer = null;
      void this.loadDetail();
    }, wait);
  }

  /** A snapshot, fetched once per step. */
  snapshot(step: number): Promise<MixSnapshot> {
    let pending = this.#snapshots.get(step);
    if (!pending) {
      pending = this.host.call('readSnapshot', { runId: this.runId, step });
      pending.catch(() => this.#snapshots.delete(step));
      this.#snapshots.set(step, pending);
    }
    return pending;
  }

  async control(action: RunAction): Promise<void> {
    const method = (
      { start: 'startRun', pause: 'pauseRun', resume: 'resumeRun', stop: 'stopRun' } as const
    )[action];
    this.busy = action;
    this.actionError = null;
    try {
      const record = await this.host.call(method, { runId: this.runId });
      this.runs.upsert(record);
    } catch (error) {
      this.actionError = toShownError(error);
    } finally {
      this.busy = null;
    }
  }

  async fork(step: number | undefined, changes: Record<string, unknown>): Promise<RunRecord> {
    this.busy = 'fork';
    try {
      const record = await this.host.call('forkRun', { runId: this.runId, step, changes });
      this.runs.upsert(record);
      return record;
    } finally {
      this.busy = null;
    }
  }

  /** A top-1 MoE child of this MoT run (transitionRun); created, not started. */
  async transition(options: {
    step: number;
    extraSteps: number;
    capacityFactor: number;
    loadBalanceWeight: number;
  }): Promise<RunRecord> {
    this.busy = 'transition';
    try {
      const record = await this.host.call('transitionRun', { runId: this.runId, ...options });
      this.runs.upsert(record);
      return record;
    } finally {
      this.busy = null;
    }
  }

  dispose(): void {
    this.metrics.dispose();
    this.#unsubscribe.forEach((off) => off());
    if (this.#detailTimer) clearTimeout(this.#detailTimer);
  }
}
