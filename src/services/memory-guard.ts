/**
 * The memory guard: a run whose estimated memory (weights, AdamW moments and one step's
 * activations, see api/estimate) exceeds the limit is refused before it is created or started,
 * and every process that trains or generates runs under a V8 heap limit of the same size, so an
 * underestimate fails that process with an out-of-memory error instead of swapping the machine.
 *
 * The limit is `MOT_MEMORY_LIMIT` (bytes, or with a unit: `12G`, `512MiB`), else half of this
 * machine's RAM: room for the app, the browser and the OS beside one training process.
 */
import { totalmem } from 'node:os';
import { WorkbenchError } from '../core/api/contract';
import type { RunConfig } from '../core/config';
import { estimatedMemoryBytes } from './api/estimate';

export const MEMORY_LIMIT_ENV = 'MOT_MEMORY_LIMIT';
/** The share of RAM a run may take when no limit is set. */
const DEFAULT_SHARE = 0.5;

const UNITS: Record<string, number> = {
  '': 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
};

/** The limit in bytes: MOT_MEMORY_LIMIT when set (an invalid value throws), else half the RAM. */
export function memoryLimitBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[MEMORY_LIMIT_ENV]?.trim();
  if (text === undefined || text === '') return Math.floor(totalmem() * DEFAULT_SHARE);
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text);
  const bytes = match ? Number(match[1]) * UNITS[match[2].toLowerCase()] : NaN;
  if (!Number.isFinite(bytes) || bytes < 64 * 2 ** 20)
    throw new Error(
      `${MEMORY_LIMIT_ENV}=${text} is not a memory size of at least 64M (e.g. 8G, 512M or bytes)`,
    );
  return Math.floor(bytes);
}

/** Throws invalid_request naming the estimate and the limit when `config` would not fit. */
export function assertFitsMemory(config: RunConfig, limitBytes: number, field = 'config'): void {
  const needed = estimatedMemoryBytes(config);
  if (needed <= limitBytes) return;
  const message =
    `the run needs about ${formatBytes(needed)} (estimated: weights, optimizer state and one ` +
    `step's activations), over the memory limit of ${formatBytes(limitBytes)}; make the model, ` +
    `batch or context smaller, or raise ${MEMORY_LIMIT_ENV}`;
  throw new WorkbenchError('invalid_request', `${field}: ${message}`, [{ path: field, message }]);
}

/** Node flags that cap a child's V8 heap at the limit (`--max-old-space-size` is in MiB). */
export function heapLimitArgs(limitBytes: number): string[] {
  return [`--max-old-space-size=${Math.max(64, Math.floor(limitBytes / 2 ** 20))}`];
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
