/**
 * How the CLI talks: progress to stderr (for people), results to stdout (for scripts).
 *
 * A reader may go away first (`mot train | head`, a closed terminal): writes then fail with EPIPE.
 * That must not kill the process mid-run (the run would stay "running" with no checkpoint), so
 * stdout and stderr get error listeners that note the closed output, drop later writes, and tell
 * whoever listens (training stops after the step with a checkpoint, as on Ctrl-C).
 */
const closedListeners = new Set<() => void>();
let outputClosed = false;

/** Installs the listeners; main calls this once, before any command runs. */
export function guardOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      if (outputClosed) return;
      outputClosed = true;
      for (const listener of closedListeners) listener();
    });
  }
}

/** Calls `listener` when a reader closes stdout or stderr; returns the unsubscribe function. */
export function onOutputClosed(listener: () => void): () => void {
  closedListeners.add(listener);
  return () => closedListeners.delete(listener);
}

export function progress(line: string): void {
  write(process.stderr, `${line}\n`);
}

export function result(value: unknown): void {
  write(process.stdout, `${JSON.stringify(value)}\n`);
}

/** Writes unless the output is gone (a write to a closed pipe would only raise another error). */
export function write(stream: NodeJS.WriteStream, text: string): void {
  if (!outputClosed && stream.writable) stream.write(text);
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Left-aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
