/**
 * The run table's columns: built-in ones (status, losses, progress, ...) and one per config key
 * the user adds (`config:train.seed`). Each column gives a sort value (undefined sorts last) and
 * the text a cell shows, from the run's record, its config (once fetched) and parameter count.
 */
import type { RunRecord } from '../../../core/api/run-record';
import type { RunConfig } from '../../../core/config';
import { formatValue, getPath } from './config-paths';
import { formatCount, formatDate, formatDuration, formatLoss, formatNumber } from './format';
import type { OwnFigures } from './lineage-figures';
import { keySettings, trainedMs } from './run-summary';

export interface RunRow {
  record: RunRecord;
  config?: RunConfig;
  params?: number;
  /** A child's own figures (its record's continue its parent's). */
  own?: OwnFigures;
}

export interface RunColumn {
  id: string;
  label: string;
  /** The header's tooltip. */
  title: string;
  numeric: boolean;
  /** Sorts newest/largest first on the first click. */
  descendingFirst?: boolean;
  value(row: RunRow): number | string | undefined;
  text(row: RunRow): string;
}

function numberText(value: number | string | undefined, format: (n: number) => string): string {
  return typeof value === 'number' ? format(value) : '–';
}

function builtin(
  id: string,
  label: string,
  title: string,
  value: (row: RunRow) => number | string | undefined,
  format?: (n: number) => string,
  descendingFirst = false,
): RunColumn {
  return {
    id,
    label,
    title,
    numeric: format !== undefined,
    descendingFirst,
    value,
    text: (row) => (format ? numberText(value(row), format) : String(value(row) ?? '–')),
  };
}

/** Built-in columns in their order in the chooser (the name column is always shown). */
export const BUILTIN_COLUMNS: RunColumn[] = [
  builtin('status', 'Status', 'Training status', (r) => r.record.status),
  builtin('ffn', 'FFN', 'Feed-forward kind and its shape', (r) => r.record.ffnSummary),
  builtin('seed', 'Seed', 'train.seed', (r) => r.config?.train.seed, String),
  builtin(
    'lr',
    'LR',
    'train.learningRate (peak)',
    (r) => r.config?.train.learningRate,
    (n) => formatNumber(n, 3),
  ),
  builtin(
    'params',
    'Params',
    'Parameters in the model (all experts)',
    (r) => r.params,
    formatCount,
    true,
  ),
  {
    id: 'progress',
    label: 'Progress',
    title: 'Steps trained of the run’s train.steps',
    numeric: true,
    descendingFirst: true,
    value: (r) => (r.config ? r.record.lastStep / r.config.train.steps : undefined),
    text: (r) =>
      r.config
        ? `${formatCount(r.record.lastStep)}/${formatCount(r.config.train.steps)}`
        : formatCount(r.record.lastStep),
  },
  builtin(
    'best',
    'Best val',
    'Best validation loss (nats per token); a fork’s own, after its fork step',
    (r) => (r.record.parent ? r.own?.bestValidationLoss : r.record.bestValidationLoss),
    formatLoss,
  ),
  builtin(
    'final',
    'Final train',
    'Train loss at the last step (nats per token)',
    (r) => r.record.finalTrainLoss,
    formatLoss,
  ),
  builtin(
    'tokens',
    'Tokens',
    'Training tokens seen',
    (r) => r.record.tokensSeen,
    formatCount,
    true,
  ),
  builtin(
    'time',
    'Time',
    'Time spent training (pauses and queueing excluded); a fork’s own, after its fork step',
    (r) => (r.record.parent ? r.own?.elapsedMs : trainedMs(r.record)),
    formatDuration,
    true,
  ),
  {
    id: 'created',
    label: 'Created',
    title: 'When the run was made',
    numeric: false,
    descendingFirst: true,
    value: (r) => r.record.createdAt,
    text: (r) => formatDate(r.record.createdAt),
  },
  builtin(
    'settings',
    'Key settings',
    'Width, blocks, context, batch, lr, steps, data, engine',
    (r) => (r.config ? keySettings(r.config) : undefined),
  ),
];

export const DEFAULT_COLUMNS = [
  'status',
  'ffn',
  'seed',
  'lr',
  'progress',
  'best',
  'final',
  'tokens',
  'time',
];

const CONFIG_PREFIX = 'config:';

/** A column for any config key: its last part as the label, numbers right-aligned. */
export function configColumn(path: string): RunColumn {
  const value = (row: RunRow): number | string | undefined => {
    const found = row.config === undefined ? undefined : getPath(row.config, path);
    if (found === undefined) return undefined;
    return typeof found === 'number' ? found : formatValue(found);
  };
  return {
    id: `${CONFIG_PREFIX}${path}`,
    label: path.split('.').at(-1) ?? path,
    title: path,
    numeric: true,
    value,
    text: (row) => {
      const v = value(row);
      return typeof v === 'number' ? formatNumber(v) : (v ?? '–');
    },
  };
}

/** The columns for these ids, in order; unknown ids are dropped. */
export function columnsFor(ids: readonly string[]): RunColumn[] {
  return ids.flatMap((id) => {
    if (id.startsWith(CONFIG_PREFIX)) return [configColumn(id.slice(CONFIG_PREFIX.length))];
    const column = BUILTIN_COLUMNS.find((c) => c.id === id);
    return column ? [column] : [];
  });
}

/** Rows sorted by a column; rows without a value go last in either direction. */
export function sortRows(rows: RunRow[], column: RunColumn, descending: boolean): RunRow[] {
  return [...rows].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
    const order =
      typeof x === 'number' && typeof y === 'number'
        ? x - y
        : String(x).localeCompare(String(y), undefined, { numeric: true });
    return descending ? -order : order;
  });
}
