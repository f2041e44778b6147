/**
 * The experiment being designed: a full config as deep state (the form binds into it), what the
 * host estimates for it, and the choices the form offers (presets, datasets, backends). Launch
 * creates the run, starts it, and returns its id.
 */
import type {
  BackendInfo,
  ConfigEstimate,
  DatasetInfo,
  Host,
  PresetInfo,
} from '../../../../core/api/contract';
import type { RunRecord } from '../../../../core/api/run-record';
import type { RunConfig } from '../../../../core/config';
import { BASE_CONFIG } from '../../../../core/presets';
import { deepMerge } from '../config-paths';
import { readableMessage, toShownError, type ShownError } from '../errors';

type Issue = { path: string; message: string };

/** A config's settings without its name and description, as comparable text. */
function bodyOf(config: RunConfig): string {
  const { name: _name, description: _description, ...body } = config;
  return JSON.stringify(body);
}

export class ExperimentDraft {
  config = $state<RunConfig>(structuredClone(BASE_CONFIG));
  /** Where the current values came from, for the header ("preset tiny-mot", "clone of …"). */
  origin = $state('defaults');
  estimate = $state.raw<ConfigEstimate | null>(null);
  /** The newest estimate of a valid config: shown (dimmed) while the current one has problems. */
  lastGood = $state.raw<ConfigEstimate | null>(null);
  estimating = $state(false);
  estimateError = $state.raw<ShownError | null>(null);
  presets = $state.raw<PresetInfo[]>([]);
  datasets = $state.raw<DatasetInfo[]>([]);
  backends = $state.raw<BackendInfo[]>([]);
  loadError = $state.raw<ShownError | null>(null);
  launching = $state(false);
  launchError = $state.raw<ShownError | null>(null);

  /** Problems by config path: the estimate's, then the launch's (with `config.` dropped). */
  issues = $derived.by((): Issue[] => {
    const fromEstimate = this.estimate?.issues ?? [];
    const fromLaunch = (this.launchError?.issues ?? []).map((i) => ({
      path: i.path.replace(/^config\./, ''),
      message: i.message,
    }));
    // The same problem from the estimate and the launch is listed once.
    return [...fromEstimate, ...fromLaunch]
      .map((i) => ({ path: i.path, message: readableMessage(i.message) }))
      .filter(
        (i, index, all) =>
          all.findIndex((j) => j.path === i.path && j.message === i.message) === index,
      );
  });

  #estimateSeq = 0;

  /** The last import's problem, shown under the data set field. */
  importError = $state<string | null>(null);

  constructor(private readonly host: Host) {}

  /** Only the desktop app has a file dialog; browser mode imports with `mot datasets import`. */
  get canImport(): boolean {
    return this.host.kind === 'desktop';
  }

  /** Opens the file dialog; an imported dataset is added to the list and chosen. */
  async importDataset(): Promise<void> {
    this.importError = null;
    try {
      const result = await this.host.call('importDataset', {});
      if ('canceled' in result) return;
      this.datasets = [...this.datasets, result];
      this.config.data.corpus = result.corpus;
    } catch (error) {
      this.importError = (error as Error).message;
    }
  }

  /** Presets, datasets and backends, in parallel; a failure shows but does not block the form. */
  async loadChoices(): Promise<void> {
    const results = await Promise.allSettled([
      this.host.call('listPresets', {}),
      this.host.call('listDatasets', {}),
      this.host.call('backendInfo', {}),
    ]);
    const [presets, datasets, backends] = results;
    if (presets.status === 'fulfilled') this.presets = presets.value;
    if (datasets.status === 'fulfilled') this.datasets = datasets.value;
    if (backends.status === 'fulfilled') this.backends = backends.value;
    const failed = results.find((r) => r.status === 'rejected');
    this.loadError = failed ? toShownError((failed as PromiseRejectedResult).reason) : null;
  }

  usePreset(name: string): void {
    const preset = this.presets.find((p) => p.name === name);
    if (!preset) return;
    this.replace(preset.config, `preset ${name}`);
  }

  async cloneRun(runId: string): Promise<void> {
    try {
      const detail = await this.host.call('getRun', { runId });
      const config = structuredClone(detail.config);
      config.name = `${detail.record.name} (copy)`.slice(0, 120);
      this.replace(config, `clone of ${detail.record.name}`);
    } catch (error) {
      this.loadError = toShownError(error);
    }
  }

  /** A config file's content laid over the defaults; problems then show on the fields. */
  loadFile(text: string, fileName: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      this.loadError = {
        message: `${fileName} is not JSON: ${(error as Error).message}`,
        issues: [],
      };
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.loadError = {
        message: `${fileName} must hold a JSON object (a run config)`,
        issues: [],
      };
      return;
    }
    this.loadError = null;
    this.replace(deepMerge(structuredClone(BASE_CONFIG), parsed), `file ${fileName}`);
  }

  reset(): void {
    this.replace(structuredClone(BASE_CONFIG), 'defaults');
  }

  /** The loaded config's settings (name and description aside) and description, as loaded. */
  #loaded = { body: bodyOf(BASE_CONFIG), description: BASE_CONFIG.description };

  replace(config: RunConfig, origin: string): void {
    this.config = structuredClone(config);
    this.origin = origin;
    this.launchError = null;
    this.#loaded = { body: bodyOf(config), description: config.description };
  }

  /**
   * The config to launch or save. A preset's (or clone's) description describes its settings:
   * once they are edited and the description was left as loaded, it says where it came from
   * instead of carrying a claim that no longer holds.
   */
  forSaving(): RunConfig {
    const config = $state.snapshot(this.config) as RunConfig;
    const edited = bodyOf(config) !== this.#loaded.body;
    if (
      edited &&
      this.#loaded.description !== '' &&
      config.description === this.#loaded.description
    )
      config.description = `Edited from ${this.origin}.`;
    return config;
  }

  /** Asks the host what `config` costs; an answer to an older request is dropped. */
  async estimateNow(config: RunConfig): Promise<void> {
    const seq = ++this.#estimateSeq;
    this.estimating = true;
    try {
      const result = await this.host.call('estimateConfig', {
        config: config as unknown as Record<string, unknown>,
      });
      if (seq !== this.#estimateSeq) return;
      this.estimate = result;
      if (result.issues.length === 0 && result.config) this.lastGood = result;
      this.estimateError = null;
    } catch (error) {
      if (seq === this.#estimateSeq) this.estimateError = toShownError(error);
    } finally {
      if (seq === this.#estimateSeq) this.estimating = false;
    }
  }

  /** createRun then startRun; returns the started run, or null with launchError set. */
  async launch(): Promise<RunRecord | null> {
    this.launching = true;
    this.launchError = null;
    try {
      const config = this.forSaving() as unknown as Record<string, unknown>;
      const created = await this.host.call('createRun', { config });
      try {
        return await this.host.call('startRun', { runId: created.id });
      } catch (error) {
        // The run exists; say so, so the user can start it from its page.
        const shown = toShownError(error);
        this.launchError = {
          ...shown,
          message: `Created run ${created.id} but could not start it: ${shown.message}`,
        };
        return null;
      }
    } catch (error) {
      this.launchError = toShownError(error);
      return null;
    } finally {
      this.launching = false;
    }
  }
}
