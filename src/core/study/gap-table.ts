/**
 * A study's dense-vs-MoT gaps as a table of strings: one header, one row per point. The CLI prints
 * it aligned, and the app and `mot study --show ID --markdown` export it as Markdown, so the table
 * a paper or `docs/` quotes is the one the tool shows.
 */
import {
  formatPasses,
  gapWithInterval,
  signed,
  type StudyArm,
  type StudyGapPoint,
  type StudyReport,
} from './report';

export interface GapTable {
  header: string[];
  rows: string[][];
}

const loss = (arm: StudyArm | null) => (arm?.meanLoss == null ? '–' : arm.meanLoss.toFixed(4));
const rate = (arm: StudyArm | null) =>
  arm?.learningRate == null ? 'pending' : String(arm.learningRate);

/** `s1 +0.007, s2 +0.014, s3 +0.076` (the seed is left out where the grid has none). */
export function perSeedGaps(point: StudyGapPoint): string {
  if (point.seeds.length === 0) return '–';
  return point.seeds
    .map((s) => `${s.seed === null ? '' : `s${s.seed} `}${signed(s.gap)}`)
    .join(', ');
}

export function gapTable(report: StudyReport): GapTable {
  const rates = report.sweepsLearningRate;
  return {
    header: [
      'point',
      ...(rates ? ['dense lr', 'MoT lr'] : []),
      'dense val',
      'MoT val',
      'gap per seed',
      'mean gap [95% interval]',
      'verdict',
      'passes',
      'FLOPs MoT/dense',
    ],
    rows: report.points.map((p) => [
      p.label || '(all)',
      ...(rates ? [rate(p.dense), rate(p.mot)] : []),
      loss(p.dense),
      loss(p.mot),
      perSeedGaps(p),
      p.gap === null ? 'pending' : gapWithInterval(p),
      p.verdict ?? 'pending',
      formatPasses(p.passes),
      p.flopsRatio === null ? '–' : p.flopsRatio.toFixed(3),
    ]),
  };
}

/** A GitHub-flavoured Markdown table; `|` inside a cell is escaped. */
export function markdownTable({ header, rows }: GapTable): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * The study's report as a Markdown section: its name, the table, the verdict, and what the
 * intervals mean, ready to paste into notes or `docs/`.
 */
export function studyReportMarkdown(name: string, report: StudyReport): string {
  const parts = [`## ${name}`, ''];
  if (report.comparesDenseAndMot) {
    parts.push(
      markdownTable(gapTable(report)),
      '',
      `${report.finishedPoints} of ${report.totalPoints} points finished, ${report.seedsPerPoint} ` +
        `seed${report.seedsPerPoint === 1 ? '' : 's'} per point; gaps are MoT − dense final ` +
        'validation loss, paired by seed, with a 95% Student-t interval over the seeds.',
      '',
    );
  }
  parts.push(`**Verdict:** ${report.verdict}`);
  return `${parts.join('\n')}\n`;
}
