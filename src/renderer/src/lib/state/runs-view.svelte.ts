/**
 * What the researcher set up in the Runs and Compare views, kept while they navigate: the
 * filter text, the selected runs (shared with Compare, both ways), the table's columns and sort.
 * Columns and sort are also remembered across reloads (localStorage).
 */
import { SvelteSet } from 'svelte/reactivity';
import { DEFAULT_COLUMNS } from '../run-columns';

const STORAGE_KEY = 'mot.runTable';

interface Stored {
  columns: string[];
  sortKey: string;
  descending: boolean;
}

function load(): Stored {
  const fallback: Stored = { columns: DEFAULT_COLUMNS, sortKey: 'created', descending: true };
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (!raw) return fallback;
    const parsed = JSON.parse(raw) as Partial<Stored>;
    return {
      columns:
        Array.isArray(parsed.columns) && parsed.columns.every((c) => typeof c === 'string')
          ? parsed.columns
          : fallback.columns,
      sortKey: typeof parsed.sortKey === 'string' ? parsed.sortKey : fallback.sortKey,
      descending: typeof parsed.descending === 'boolean' ? parsed.descending : true,
    };
  } catch {
    return fallback;
  }
}

export class RunsViewState {
  query = $state('');
  tagFilter = $state<string | null>(null);
  /** Ticked in the run table; Compare opens on them and writes its picks back. */
  readonly selected = new SvelteSet<string>();
  columns = $state<string[]>([]);
  sortKey = $state('created');
  descending = $state(true);

  constructor() {
    const stored = load();
    this.columns = stored.columns;
    this.sortKey = stored.sortKey;
    this.descending = stored.descending;
  }

  /** Replaces the selection (Compare's picker calls this). */
  select(ids: readonly string[]): void {
    this.selected.clear();
    for (const id of ids) this.selected.add(id);
  }

  save(): void {
    try {
      const stored: Stored = {
        columns: this.columns,
        sortKey: this.sortKey,
        descending: this.descending,
      };
      globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(stored));
    } catch {
      // Storage full or off: the choice lasts this session.
    }
  }
}
