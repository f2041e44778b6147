/** Short notices in the corner: a run completed or failed, a file was saved. */
export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  detail?: string;
  /** A run to open when the toast is clicked. */
  runId?: string;
}

const LIFETIME_MS = { info: 5000, success: 7000, error: 12000 } as const;

export class Toasts {
  items = $state.raw<Toast[]>([]);
  #next = 1;

  show(toast: Omit<Toast, 'id'>): number {
    const id = this.#next++;
    this.items = [...this.items.slice(-4), { ...toast, id }];
    setTimeout(() => this.dismiss(id), LIFETIME_MS[toast.kind]);
    return id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
