/**
 * Everything the views share, made once when the host connects: the host itself, routing, theme,
 * toasts, shortcuts and the run catalogue. Views get it with `getWorkbench()`.
 */
import { createContext } from 'svelte';
import type { Host } from '../../../../core/api/contract';
import { Router } from './router.svelte';
import { ExperimentDraft } from './experiment-draft.svelte';
import { RunsState } from './runs.svelte';
import { RunsViewState } from './runs-view.svelte';
import { Shortcuts } from './shortcuts.svelte';
import { Theme } from './theme.svelte';
import { Toasts } from './toasts.svelte';

export class Workbench {
  readonly router = new Router();
  readonly toasts = new Toasts();
  readonly shortcuts = new Shortcuts();
  readonly runs: RunsState;
  /** The Runs view's filter, selection, columns and sort, kept across navigation. */
  readonly runsView = new RunsViewState();
  #draft: ExperimentDraft | null = null;
  /** The New experiment form's draft, made on first use and kept while the app is open. */
  get draft(): ExperimentDraft {
    this.#draft ??= new ExperimentDraft(this.host);
    return this.#draft;
  }
  /** Increased by the "/" shortcut: the runs view focuses its search box. */
  focusSearch = $state(0);

  constructor(
    readonly host: Host,
    readonly theme: Theme,
  ) {
    this.runs = new RunsState(host, this.toasts);
  }
}

export const [getWorkbench, setWorkbench] = createContext<Workbench>();
