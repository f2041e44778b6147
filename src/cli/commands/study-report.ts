/**
 * A study's report as text: its runs, then per point each arm's loss (at its best learning rate
 * when the grid sweeps it), the gap of every seed, the mean gap with its 95% interval, the verdict
 * and the passes over the training split; the study's verdict last and plain.
 */
import type { StudyDetail } from '../../core/api/study';
import { formatGridValue } from '../../core/study/grid';
import {
  formatPasses,
  gapWithInterval,
  signed,
  type StudyArm,
  type StudyGapPoint,
} from '../../core/study/report';
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
    const rate = report.sweepsLearningRate ? ['dense lr', 'mot lr'] : [];
    const gaps = table(
      [
        'point',
        ...rate,
        'dense val',
        'mot val',
        'gap per seed',
        'mean gap [95% interval]',
        'verdict',
        'passes',
        'flops mot/dense',
      ],
      report.points.map((p) => [
        p.label || '(all)',
        ...(report.sweepsLearningRate ? [rateOf(p.dense), rateOf(p.mot)] : []),
        loss(p.dense?.meanLoss),
        loss(p.mot?.meanLoss),
        perSeed(p),
        gapWithInterval(p),
        p.verdict ?? 'pending',
        formatPasses(p.passes),
        p.flopsRatio === null ? '-' : p.flopsRatio.toFixed(3),
      ]),
    );
    lines.push('', gaps);
  }
  lines.push('', report.verdict);
  return lines.join('\n');
}

function rateOf(arm: StudyArm | null): string {
  return arm?.learningRate === null || arm === null ? 'pending' : String(arm.learningRate);
}

/** `s1 +0.007 s2 +0.014 s3 +0.076` */
function perSeed(point: StudyGapPoint): string {
  if (point.seeds.length === 0) return '-';
  return point.seeds
    .map((s) => `${s.seed === null ? '' : `s${s.seed} `}${signed(s.gap)}`)
    .join(' ');
}
