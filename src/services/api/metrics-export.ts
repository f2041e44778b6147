/**
 * Metric exports. CSV is for spreadsheets and pandas: one row per training step with flat
 * columns (per-layer diagnostics stay in the JSON export), plus the validation loss on the
 * steps that were evaluated. JSON is every record as stored.
 */
import type { EvalRecord, MetricRecord, TrainRecord } from '../../core/train/metrics';

export const CSV_COLUMNS = [
  'step',
  'loss',
  'lmLoss',
  'auxLoss',
  'learningRate',
  'gradNorm',
  'tokens',
  'flops',
  'stepMs',
  'tokensPerSecond',
  'elapsedMs',
  'validationLoss',
] as const satisfies readonly (keyof TrainRecord | keyof EvalRecord)[];

export function metricsCsv(records: readonly MetricRecord[]): string {
  const validation = new Map<number, number>();
  for (const record of records)
    if (record.type === 'eval') validation.set(record.step, record.validationLoss);
  const rows = records
    .filter((record): record is TrainRecord => record.type === 'train')
    .map((record) =>
      CSV_COLUMNS.map((column) =>
        column === 'validationLoss' ? cell(validation.get(record.step)) : cell(record[column]),
      ).join(','),
    );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

/** Numbers as JavaScript writes them (round-trip exact); absent values as empty cells. */
function cell(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : String(value);
}
