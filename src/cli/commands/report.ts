/** `mot report`: our runs against a dense baseline, beside the paper's published figures. */
import { reportRuns, type RunsReport } from '../../services/report';
import { resolveDataDir } from '../../services/store';
import { openStore, printNotices } from '../store';
import { parse, requireFlag, UsageError } from '../args';
import { formatDuration, result, table } from '../output';

export async function reportCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    runs: { type: 'string' },
    baseline: { type: 'string' },
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
  });
  const runIds = requireFlag(values.runs, 'runs')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (runIds.length === 0) throw new UsageError('--runs needs at least one run id');
  const store = await openStore(resolveDataDir(values['data-dir']));
  const report = reportRuns(store, runIds, values.baseline);
  printNotices(store);
  if (values.json) result(report);
  else process.stdout.write(`${formatReport(report)}\n`);
}

const fixed = (x: number | null, digits = 4) => (x === null ? '-' : x.toFixed(digits));

export function formatReport(report: RunsReport): string {
  const baseline =
    report.baselineId === null
      ? 'no dense baseline among the runs (give --baseline ID): no speed-ups'
      : `baseline ${report.baselineId}: final validation loss ${fixed(report.baselineFinalValidationLoss)}`;
  const rows = report.runs.map((r) => [
    r.runId === report.baselineId ? `${r.runId} *` : r.runId,
    r.ffn,
    String(r.steps),
    fixed(r.finalValidationLoss),
    fixed(r.finalValidationStdError),
    r.epochs === null ? '-' : r.epochs.toFixed(2),
    fixed(r.bestValidationLoss),
    fixed(r.finalTrainLoss),
    r.stepReachingBaseline === null
      ? 'never'
      : `step ${Math.round(r.stepReachingBaseline)} ±${r.reachingResolutionSteps} (${formatDuration(r.elapsedMsReachingBaseline ?? 0)})`,
    r.speedupSteps === null ? '-' : `${r.speedupSteps.toFixed(2)}x`,
    r.speedupWallClock === null ? '-' : `${r.speedupWallClock.toFixed(2)}x`,
    r.mixEntropy.length === 0 ? '-' : r.mixEntropy.map((m) => m.value.toFixed(3)).join(' '),
  ]);
  const header = [
    'run',
    'ffn',
    'steps',
    'final val',
    '± s.e.',
    'passes',
    'best val',
    'final train',
    'reaches baseline',
    'speed-up steps',
    'speed-up wall',
    'mix entropy/layer',
  ];
  const poc = report.paper.smallProofOfConcept;
  const desk = report.paper.desktopReference;
  const repeats = report.runs.some((r) => (r.epochs ?? 0) > 1)
    ? [
        'Warning: a run went past one pass over its training split: its loss measures memorisation as much as the architecture.',
      ]
    : [];
  return [
    baseline,
    '',
    table(header, rows),
    'reaches baseline: interpolated between the two evals around the crossing; ± is their spacing (the resolution).',
    ...repeats,
    ...report.seedGroups.flatMap((g) => [
      '',
      `${g.ffn}, ${g.seeds.length} seeds: ` +
        g.seeds
          .map((seed, i) => `s${seed} ${fixed(g.finalValidationLosses[i] ?? null)}`)
          .join(' ') +
        `; mean ${fixed(g.mean.mean)}` +
        (g.mean.low === null ? '' : ` [95% ${fixed(g.mean.low)}, ${fixed(g.mean.high)}]`),
    ]),
    '',
    'The paper (shared/MOT.md):',
    `  small proof of concept, ${poc.setup}:`,
    ...poc.trainLoss.map(
      (p) => `    ${p.steps.toLocaleString('en-US')} steps: dense ${p.dense} vs MoT ${p.mot}`,
    ),
    `    MoT reaches dense's final loss at ~${poc.motReachesDenseFinalAtSteps.toLocaleString('en-US')} steps: ~${poc.speedupSteps}x fewer steps, ~${poc.speedupWallClock}x less wall-clock`,
    `  desktop-scale reference, ${desk.setup}:`,
    `    dense ${desk.dense} vs MoT ${desk.mot} at ${desk.steps.toLocaleString('en-US')} steps (MoT behind at a few million tokens)`,
  ].join('\n');
}
