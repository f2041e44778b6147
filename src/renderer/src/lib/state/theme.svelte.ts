/**
 * Light, dark, or whatever the system says. The choice is stored in localStorage and written to
 * `<html data-theme>`; app.css holds both palettes. `dark` is what is shown right now, for the
 * canvases and charts that cannot read CSS variables by themselves.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
const STORAGE_KEY = 'mot-workbench.theme';

export class Theme {
  choice = $state<ThemeChoice>(readChoice());
  #systemDark = $state(false);
  dark = $derived(this.choice === 'dark' || (this.choice === 'system' && this.#systemDark));

  constructor() {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    this.#systemDark = query.matches;
    query.addEventListener('change', (event) => (this.#systemDark = event.matches));
    this.#apply();
  }

  /** system -> light -> dark -> system. */
  cycle(): void {
    const order: ThemeChoice[] = ['system', 'light', 'dark'];
    this.set(order[(order.indexOf(this.choice) + 1) % order.length]);
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    try {
      localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // Storage can be unavailable (private windows); the choice still holds for this session.
    }
    this.#apply();
  }

  #apply(): void {
    const root = document.documentElement;
    if (this.choice === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', this.choice);
  }
}

function readChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'light' || stored === 'dark' || stored === 'system') return stored;
  } catch {
    // fall through
  }
  return 'system';
}
