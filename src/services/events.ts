/**
 * The workbench's pushed events (run status, progress, log lines), typed by the contract's
 * Events table. A listener that throws is reported and skipped: one broken subscriber (a
 * closed window, a dropped socket) must not stop the others or the run that emitted.
 */
import type { EventName, Events } from '../core/api/contract';

type Listener<E extends EventName> = (payload: Events[E]) => void;

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

export class EventHub {
  private readonly listeners = new Map<EventName, Set<Listener<never>>>();

  /** Subscribes; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  readonly emit: Emit = (event, payload) => {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<typeof event>)(payload);
      } catch (error) {
        console.error(`workbench: a ${event} listener failed:`, error);
      }
    }
  };

  clear(): void {
    this.listeners.clear();
  }
}
