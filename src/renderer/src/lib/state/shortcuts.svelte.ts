/**
 * Keyboard shortcuts. Views register the keys they handle while they are on screen; one window
 * listener dispatches. Keys typed into a field never trigger a shortcut (except Escape).
 */
import { untrack } from 'svelte';

export interface Shortcut {
  /** KeyboardEvent.key, e.g. "n", "/", " ", "?", "Escape". */
  key: string;
  /** Shown in the shortcut help. */
  description: string;
  run: (event: KeyboardEvent) => void;
}

export class Shortcuts {
  /** Registered shortcuts, newest last: the help dialog lists them. */
  list = $state.raw<Shortcut[]>([]);

  /** Adds a shortcut; returns its removal (so `$effect(() => shortcuts.register(...))` works). */
  register(shortcut: Shortcut): () => void {
    // Called from effects: reading the list there must not make them depend on it.
    untrack(() => (this.list = [...this.list, shortcut]));
    return () => {
      untrack(() => (this.list = this.list.filter((s) => s !== shortcut)));
    };
  }

  handle(event: KeyboardEvent): void {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.isComposing) return;
    // The event's target, or (for keys that reach the window from a shadow root or a label)
    // the focused element: typing into either is never a shortcut.
    if (
      event.key !== 'Escape' &&
      (isEditable(event.target) || isEditable(globalThis.document?.activeElement ?? null))
    )
      return;
    // The newest registration wins: a dialog's Escape before the page's.
    for (let i = this.list.length - 1; i >= 0; i--) {
      const shortcut = this.list[i];
      if (shortcut.key === event.key) {
        event.preventDefault();
        shortcut.run(event);
        return;
      }
    }
  }
}

export function isEditable(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest('[contenteditable=""],[contenteditable=true]'))
    return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'button', 'submit', 'range', 'file'].includes(target.type);
  }
  return false;
}

/** How a key is shown in help text. */
export function keyLabel(key: string): string {
  return key === ' ' ? 'Space' : key;
}
