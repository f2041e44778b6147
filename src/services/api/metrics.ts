/** Reading a run's metrics, mixing snapshots and log, and exporting its metrics as a file. */
import type { MetricRecord } from '../../core/train/metrics';
import type { MixSnapshot } from '../../core/train/snapshot';
import { type Handler, requireRun } from './context';
import { metricsCsv } from './metrics-export';

export const readMetrics: Handler<'readMetrics'> = async (context, { runId, sinceStep }) => {
  requireRun(context, runId);
  const { records, skipped } = context.store.readMetrics(runId, sinceStep);
  return { records: records as MetricRecord[], skipped };
};

export const exportMetrics: Handler<'exportMetrics'> = async (context, { runId, format }) => {
  requireRun(context, runId);
  const records = context.store.readMetrics(runId).records as MetricRecord[];
  if (format === 'csv') {
    return { filename: `${runId}-metrics.csv`, mimeType: 'text/csv', content: metricsCsv(records) };
  }
  return {
    filename: `${runId}-metrics.json`,
    mimeType: 'application/json',
    content: `${JSON.stringify(records)}\n`,
  };
};

export const readSnapshot: Handler<'readSnapshot'> = async (context, { runId, step }) => {
  requireRun(context, runId);
  return context.store.readSnapshot(runId, step) as MixSnapshot;
};

export const readLog: Handler<'readLog'> = async (context, { runId, tail }) => {
  requireRun(context, runId);
  return context.store.readLog(runId, tail);
};
