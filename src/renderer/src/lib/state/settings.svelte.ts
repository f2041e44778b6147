/**
 * The Settings page: the app settings as the host has them, what the person is typing, and the
 * last search for the torch engine's Python. Made per page; nothing polls.
 */
import type {
  AppSettings,
  Host,
  PythonSearchReport,
  RequestOf,
} from '../../../../core/api/contract';
import { toShownError, type ShownError } from '../errors';

export class SettingsState {
  /** As saved on the Node side (null until loaded). */
  saved = $state.raw<AppSettings | null>(null);
  /** The form's values: the concurrency, and the path as typed ('' = search for one). */
  concurrency = $state(1);
  pythonPath = $state('');
  saving = $state(false);
  saveError = $state.raw<ShownError | null>(null);
  loadError = $state.raw<ShownError | null>(null);
  searching = $state(false);
  report = $state.raw<PythonSearchReport | null>(null);
  /** The path the last search tried first ('' = none: the setting was empty). */
  reportPath = $state('');
  searchError = $state.raw<ShownError | null>(null);

  constructor(private readonly host: Host) {
    void this.load();
  }

  /** Whether the form differs from what is saved. */
  get dirty(): boolean {
    const saved = this.saved;
    if (!saved) return false;
    return (
      saved.trainingConcurrency !== this.concurrency ||
      (saved.pythonPath ?? '') !== this.pythonPath.trim()
    );
  }

  async load(): Promise<void> {
    try {
      this.show(await this.host.call('getSettings', {}));
      this.loadError = null;
      void this.find();
    } catch (error) {
      this.loadError = toShownError(error);
    }
  }

  /** Saves what changed; true when it was accepted. */
  async save(): Promise<boolean> {
    const saved = this.saved;
    if (!saved) return false;
    const request: RequestOf<'updateSettings'> = {};
    const path = this.pythonPath.trim();
    if ((saved.pythonPath ?? '') !== path) request.pythonPath = path === '' ? null : path;
    if (saved.trainingConcurrency !== this.concurrency)
      request.trainingConcurrency = this.concurrency;
    this.saving = true;
    try {
      this.show(await this.host.call('updateSettings', request));
      this.saveError = null;
      if (request.pythonPath !== undefined) void this.find();
      return true;
    } catch (error) {
      this.saveError = toShownError(error);
      return false;
    } finally {
      this.saving = false;
    }
  }

  /**
   * Asks every candidate Python: with the path as typed (tried before it is saved), else with
   * the saved setting.
   */
  async find(): Promise<void> {
    const path = this.pythonPath.trim();
    this.searching = true;
    try {
      this.report = await this.host.call('findPython', path === '' ? {} : { pythonPath: path });
      this.reportPath = path;
      this.searchError = null;
    } catch (error) {
      this.searchError = toShownError(error);
      this.report = null;
    } finally {
      this.searching = false;
    }
  }

  private show(settings: AppSettings): void {
    this.saved = settings;
    this.concurrency = settings.trainingConcurrency;
    this.pythonPath = settings.pythonPath ?? '';
  }
}
