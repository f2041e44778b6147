/**
 * A study's report as text: its runs, then per point each arm's loss (at its best learning rate
 * when the grid sweeps it), the gap of every seed, the mean gap with its 95% interval, the verdict
 * and the passes over the training split; the study's verdict last and plain.
 */
import type { StudyDetail } from '../../core/api/study';
import { formatGridValue } from '../../core/study/grid';
import { gapTable } from '../../core/study/gap-table';
import { table } from '../output';

const loss = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(4));

export function formatStudyReport(detail: StudyDetail): string {
  const { study, report, progress } = detail;
  const keys = Object.keys(study.grid);
  const runs = table(
    ['run', ...keys, 'status', 'final val', '± s.e.'],
    detail.runs.map((run) => [
      run.runId,
      ...keys.map((key) => formatGridValue(run.values[key])),
      run.record?.status ?? 'deleted',
      loss(run.finalValidationLoss),
      loss(run.validationStdError),
    ]),
  );
  const lines = [
    `study ${study.id} "${study.name}": ${progress.completed} of ${progress.total} runs completed`,
    '',
    runs,
  ];
  if (report.comparesDenseAndMot) {
    const gaps = gapTable(report);
    lines.push('', table(gaps.header, gaps.rows));
  }
  lines.push('', report.verdict);
  return lines.join('\n');
}
