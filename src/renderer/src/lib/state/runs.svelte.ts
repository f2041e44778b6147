/**
 * The run catalogue as the UI sees it: the list from `listRuns`, kept current by `runStatus` and
 * `runProgress` events, plus a lazily filled cache of run configs (for the table's key settings
 * and for compare). Toasts announce runs that complete or fail.
 */
import { untrack } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import type { Host } from '../../../../core/api/contract';
import type { RunRecord } from '../../../../core/api/run-record';
import type { RunConfig } from '../../../../core/config';
import { toShownError, type ShownError } from '../errors';
import type { Toasts } from './toasts.svelte';
import { formatLoss } from '../format';
import { ownFigures, type OwnFigures } from '../lineage-figures';
import { isDiverged, vocabSizeOf } from '../training-health';
import { Coalesced } from './coalesce';

const CONFIG_FETCH_CONCURRENCY = 4;

export class RunsState {
  records = $state.raw<RunRecord[]>([]);
  loaded = $state(false);
  loading = $state(false);
  error = $state.raw<ShownError | null>(null);
  /** Configs of runs, fetched on demand with getRun. */
  configs = new SvelteMap<string, RunConfig>();
  #configQueue: string[] = [];
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache; nothing renders from it
  #configPending = new Set<string>();
  /** Runs whose config could not be read: not asked again until the next refresh. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache; nothing renders from it
  #configFailed = new Set<string>();
  #configActive = 0;
  /** Parameter counts (estimateConfig), asked for only while a table shows them. */
  params = new SvelteMap<string, number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache; nothing renders from it
  #paramsAsked = new Set<string>();
  /** A run the list does not know yet (made by the CLI or another window): re-read the list once. */
  #refreshSoon = new Coalesced(() => void this.refresh(), 500);

  constructor(
    private readonly host: Host,
    private readonly toasts: Toasts,
  ) {
    host.on('runStatus', (event) => {
      const previous = this.byId(event.runId);
      if (!previous) this.#refreshSoon.request();
      this.upsert(event.record);
      if (previous?.status === event.status) return;
      const name = event.record.name;
      if (event.status === 'completed' && this.diverged(event.record)) {
        this.toasts.show({
          kind: 'error',
          title: `Run “${name}” diverged`,
          detail: `It trained every step, but its loss is worse than a uniform guess (final ${formatLoss(event.record.finalTrainLoss)}).`,
          runId: event.runId,
        });
      } else if (event.status === 'completed') {
        const best = event.record.bestValidationLoss;
        this.toasts.show({
          kind: 'success',
          title: `Run “${name}” completed`,
          detail: best !== undefined ? `Best validation loss ${formatLoss(best)}` : undefined,
          runId: event.runId,
        });
      } else if (event.status === 'failed') {
        this.toasts.show({
          kind: 'error',
          title: `Run “${name}” failed`,
          detail: event.error ?? event.record.error,
          runId: event.runId,
        });
      }
    });
    host.on('runProgress', (event) => {
      const record = this.byId(event.runId);
      if (!record) this.#refreshSoon.request();
      let lastStep = record?.lastStep ?? 0;
      let tokens = record?.tokensSeen ?? 0;
      let best = record?.bestValidationLoss;
      let elapsedMs = record?.elapsedMs;
      for (const r of event.records) {
        lastStep = Math.max(lastStep, r.step);
        tokens = Math.max(tokens, r.tokens);
        if (r.type === 'train') elapsedMs = r.elapsedMs;
        if (r.type === 'eval' && (best === undefined || r.validationLoss < best)) {
          best = r.validationLoss;
        }
      }
      if (
        record &&
        (lastStep !== record.lastStep ||
          tokens !== record.tokensSeen ||
          best !== record.bestValidationLoss ||
          elapsedMs !== record.elapsedMs)
      ) {
        this.upsert({
          ...record,
          lastStep,
          tokensSeen: tokens,
          bestValidationLoss: best,
          elapsedMs,
        });
      }
    });
  }

  /** Forks' and transition children's own figures (see lineage-figures), by run id. */
  own = new SvelteMap<string, OwnFigures>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache; nothing renders from it
  #ownRead = new Map<string, string>();

  /** Reads the metrics of these runs that have a parent, again whenever they moved on. */
  ensureOwnFigures(records: readonly RunRecord[]): void {
    untrack(() => {
      for (const record of records) {
        const parent = record.parent;
        const version = `${record.lastStep}|${record.status}`;
        if (!parent || this.#ownRead.get(record.id) === version) continue;
        this.#ownRead.set(record.id, version);
        this.host
          .call('readMetrics', { runId: record.id })
          .then(({ records: metrics }) => this.own.set(record.id, ownFigures(parent.step, metrics)))
          .catch(() => this.#ownRead.delete(record.id));
      }
    });
  }

  /** Whether a run's losses say it diverged (false until its config is known). */
  diverged(record: RunRecord): boolean {
    const config = this.configs.get(record.id);
    return config !== undefined && isDiverged(record, vocabSizeOf(config.data.tokenizer));
  }

  byId(runId: string): RunRecord | undefined {
    return this.records.find((r) => r.id === runId);
  }

  async refresh(): Promise<void> {
    this.loading = true;
    try {
      this.records = await this.host.call('listRuns', {});
      this.#configFailed.clear();
      this.error = null;
      this.loaded = true;
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.loading = false;
    }
  }

  upsert(record: RunRecord): void {
    const index = this.records.findIndex((r) => r.id === record.id);
    if (index < 0) this.records = [record, ...this.records];
    else this.records = this.records.map((r, i) => (i === index ? record : r));
  }

  remove(runId: string): void {
    this.records = this.records.filter((r) => r.id !== runId);
    this.configs.delete(runId);
  }

  async update(
    runId: string,
    changes: { name?: string; tags?: string[]; notes?: string },
  ): Promise<RunRecord> {
    const record = await this.host.call('updateRun', { runId, ...changes });
    this.upsert(record);
    return record;
  }

  async delete(runId: string): Promise<void> {
    await this.host.call('deleteRun', { runId });
    this.remove(runId);
  }

  /** Asks for the configs of these runs (those not cached yet), a few at a time. */
  ensureConfigs(runIds: readonly string[]): void {
    // Called from effects: what is cached must not become their dependency.
    untrack(() => this.#enqueueConfigs(runIds));
  }

  #enqueueConfigs(runIds: readonly string[]): void {
    for (const id of runIds) {
      if (this.configs.has(id) || this.#configPending.has(id) || this.#configFailed.has(id)) {
        continue;
      }
      this.#configPending.add(id);
      this.#configQueue.push(id);
    }
    this.#pump();
  }

  /** Asks for the parameter counts of these runs whose configs are known, one at a time. */
  ensureParams(runIds: readonly string[]): void {
    untrack(() => {
      const ids = runIds.filter((id) => this.configs.has(id) && !this.#paramsAsked.has(id));
      for (const id of ids) this.#paramsAsked.add(id);
      void (async () => {
        for (const id of ids) {
          const config = this.configs.get(id);
          const estimate = await this.host
            .call('estimateConfig', { config: config as never })
            .catch(() => null);
          if (estimate?.paramsTotal !== undefined) this.params.set(id, estimate.paramsTotal);
        }
      })();
    });
  }

  /** Stores a config already fetched elsewhere (e.g. a run page's getRun). */
  rememberConfig(runId: string, config: RunConfig): void {
    if (!this.configs.has(runId)) this.configs.set(runId, config);
  }

  #pump(): void {
    while (this.#configActive < CONFIG_FETCH_CONCURRENCY && this.#configQueue.length > 0) {
      const runId = this.#configQueue.shift() as string;
      this.#configActive++;
      this.host
        .call('getRun', { runId })
        .then((detail) => this.configs.set(runId, detail.config))
        .catch(() => {
          // A run deleted meanwhile, or an unreadable config: the table shows a dash.
          this.#configFailed.add(runId);
        })
        .finally(() => {
          this.#configActive--;
          this.#configPending.delete(runId);
          this.#pump();
        });
    }
  }
}
