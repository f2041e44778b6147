/**
 * Runs `task` once, `delayMs` after the first of any number of requests: a burst of events (every
 * run of a study changing status) costs one re-read, not one per event.
 */
export class Coalesced {
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly task: () => void,
    private readonly delayMs: number,
  ) {}

  request(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.task();
    }, this.delayMs);
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
