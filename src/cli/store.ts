/** Opening the store from the CLI: what opening repaired is said, one line each, on stderr. */
import { RunStore } from '../services/store';
import { progress } from './output';

export async function openStore(dataDir: string): Promise<RunStore> {
  const store = await RunStore.open(dataDir);
  printNotices(store);
  return store;
}

/** Prints the store's notices not printed yet (a torn metrics line found while reading, ...). */
export function printNotices(store: RunStore): void {
  const printed = shown.get(store) ?? 0;
  for (const notice of store.notices.slice(printed)) progress(`mot: ${notice.message}`);
  shown.set(store, store.notices.length);
}

const shown = new WeakMap<RunStore, number>();
