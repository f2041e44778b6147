/** A study's report as text: its runs, the gap at each point, and the verdict, last and plain. */
import type { StudyDetail } from '../../core/api/study';
import { formatGridValue } from '../../core/study/grid';
import { signed } from '../../core/study/report';
import { table } from '../output';

const loss = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(4));

export function formatStudyReport(detail: StudyDetail): string {
  const { study, report, progress } = detail;
  const keys = Object.keys(study.grid);
  const runs = table(
    ['run', ...keys, 'status', 'final val'],
    detail.runs.map((run) => [
      run.runId,
      ...keys.map((key) => formatGridValue(run.values[key])),
      run.record?.status ?? 'deleted',
      loss(run.finalValidationLoss),
    ]),
  );
  const lines = [
    `study ${study.id} "${study.name}": ${progress.completed} of ${progress.total} runs completed`,
    '',
    runs,
  ];
  if (report.comparesDenseAndMot) {
    const gaps = table(
      ['point', 'dense val', 'mot val', 'mot - dense', 'flops mot/dense'],
      report.points.map((p) => [
        p.label || '(all)',
        loss(p.dense?.finalValidationLoss),
        loss(p.mot?.finalValidationLoss),
        signed(p.gap),
        p.flopsRatio === null ? '-' : p.flopsRatio.toFixed(3),
      ]),
    );
    lines.push('', gaps);
  }
  lines.push('', report.verdict);
  return lines.join('\n');
}
