/**
 * `mot study`: a named grid of runs over a base config (preset and/or config file), created in the
 * data dir like the app's studies, trained here one after another (like `mot train`), then its
 * report: the MoT-minus-dense validation-loss gap at each point with its 95% interval over the
 * seeds (`--seeds`, default 1,2,3), and the verdict. `--grid crossover` is the built-in crossover
 * study: dense vs FLOP-matched MoT across token budgets (`--learning-rates` sweeps the rate; each
 * arm is then reported at its best). `--resume ID`
 * trains what a study has left (after Ctrl-C); `--show ID` prints its report as it stands.
 */
import { ConfigError, resolveConfig, type RunConfig } from '../../core/config';
import { BASE_CONFIG, findPreset } from '../../core/presets';
import { crossoverGrid } from '../../core/study/crossover';
import { expandGrid, withSeeds, type StudyGrid } from '../../core/study/grid';
import { selectBackend } from '../../services/backends';
import { loadCorpus } from '../../services/corpora';
import { readRunConfig } from '../../services/run-data';
import { type RunStore, resolveDataDir } from '../../services/store';
import { recoverInterruptedRuns } from '../../services/interrupted';
import { openStore } from '../store';
import { assertFitsMemory, memoryLimitBytes } from '../../services/memory-guard';
import { createStudy, studyDetail, studyRunIds } from '../../services/study';
import { parse, requireFlag, UsageError } from '../args';
import { readJsonFile } from '../files';
import { progress, result } from '../output';
import { studyReportMarkdown } from '../../core/study/gap-table';
import { formatStudyReport } from './study-report';
import { trainWithProgress } from './train';

export async function studyCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    name: { type: 'string' },
    preset: { type: 'string' },
    config: { type: 'string' },
    grid: { type: 'string' },
    budgets: { type: 'string' },
    'group-sizes': { type: 'string' },
    placements: { type: 'string' },
    seeds: { type: 'string' },
    'learning-rates': { type: 'string' },
    resume: { type: 'string' },
    show: { type: 'string' },
    json: { type: 'boolean' },
    markdown: { type: 'boolean' },
    'data-dir': { type: 'string' },
  });
  const format = reportFormat(values);
  if (values.show !== undefined || values.resume !== undefined) {
    const store = await openStore(resolveDataDir(values['data-dir']));
    const id = (values.show ?? values.resume) as string;
    if (values.resume !== undefined) await trainStudy(store, id);
    return printReport(store, id, format);
  }

  const name = requireFlag(values.name, 'name');
  const base = baseConfig(values.preset, values.config);
  const seeds = listFlag(values.seeds, 'seeds', integers('seeds'));
  const grid = gridFlag(requireFlag(values.grid, 'grid'), base, values, seeds);
  // Every problem surfaces here, before the data dir is touched.
  const { points, issues } = expandGrid(base, grid);
  if (issues.length > 0) throw new ConfigError(issues);
  const memoryLimit = memoryLimitBytes();
  for (const point of points) assertFitsMemory(point.config, memoryLimit, 'grid');
  for (const point of points) await selectBackend(point.config.backend);
  for (const point of points)
    loadCorpus(point.config.data.corpus, resolveDataDir(values['data-dir']));

  const store = await openStore(resolveDataDir(values['data-dir']));
  const study = await createStudy(store, {
    name,
    base,
    grid,
    ...(values.preset !== undefined && { preset: values.preset }),
  });
  const count = studyRunIds(study).length;
  progress(
    `study ${study.id} "${name}": ${count} runs for ${study.runs.length} grid points in ${store.dataDir}`,
  );
  await trainStudy(store, study.id);
  printReport(store, study.id, format);
}

/** Trains every run of the study that has not completed, in grid order; stops on Ctrl-C. */
async function trainStudy(store: RunStore, studyId: string): Promise<void> {
  const runIds = studyRunIds(store.studies.get(studyId));
  await recoverInterruptedRuns(store);
  for (const [index, runId] of runIds.entries()) {
    const record = store.get(runId);
    if (record.status === 'completed') continue;
    if (['running', 'queued', 'paused'].includes(record.status)) {
      progress(`run ${runId} is ${record.status} in another process: skipped`);
      continue;
    }
    progress(`[${index + 1}/${runIds.length}] run ${runId} "${record.name}"`);
    const completed = await trainWithProgress(
      store,
      runId,
      readRunConfig(store, runId),
      record.status !== 'created',
      false,
    );
    if (!completed) {
      progress(`study stopped; continue with \`mot study --resume ${studyId}\``);
      return;
    }
  }
}

type ReportFormat = 'text' | 'json' | 'markdown';

function reportFormat(values: { json?: boolean; markdown?: boolean }): ReportFormat {
  if (values.json === true && values.markdown === true)
    throw new UsageError('--json and --markdown: give one report format');
  return values.json === true ? 'json' : values.markdown === true ? 'markdown' : 'text';
}

function printReport(store: RunStore, studyId: string, format: ReportFormat): void {
  const detail = studyDetail(store, store.studies.get(studyId));
  if (format === 'json') result(detail);
  else if (format === 'markdown')
    process.stdout.write(studyReportMarkdown(detail.study.name, detail.report));
  else process.stdout.write(`${formatStudyReport(detail)}\n`);
}

function baseConfig(preset: string | undefined, file: string | undefined): RunConfig {
  const base = preset !== undefined ? findPreset(preset).config : BASE_CONFIG;
  return file !== undefined ? resolveConfig(base, readJsonFile(file)) : base;
}

/**
 * A JSON grid, or `crossover` (budgets, group sizes, placements and rates from their own flags);
 * either way with the training seeds (`--seeds`, default 1,2,3) unless the grid varies train.seed.
 */
function gridFlag(
  text: string,
  base: RunConfig,
  flags: {
    budgets?: string;
    'group-sizes'?: string;
    placements?: string;
    'learning-rates'?: string;
  },
  seeds: number[] | undefined,
): StudyGrid {
  if (text === 'crossover') {
    return crossoverGrid(base, {
      seeds,
      learningRates: listFlag(flags['learning-rates'], 'learning-rates', rateFlag),
      budgets: listFlag(flags.budgets, 'budgets', integers('budgets')),
      groupSizes: listFlag(flags['group-sizes'], 'group-sizes', integers('group-sizes')),
      placements: listFlag(flags.placements, 'placements', (p) => {
        if (p !== 'all' && p !== 'second-half')
          throw new UsageError(`--placements takes all and/or second-half, got "${p}"`);
        return p;
      }),
    });
  }
  for (const flag of ['budgets', 'group-sizes', 'placements', 'learning-rates'] as const) {
    if (flags[flag] !== undefined) throw new UsageError(`--${flag} goes with --grid crossover`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--grid is not JSON (or "crossover"): ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError('--grid must be a JSON object: {"config.path": [values...]}');
  if (seeds !== undefined && 'train.seed' in parsed)
    throw new UsageError('--seeds and a grid over train.seed: give the seeds one way');
  return withSeeds(parsed as StudyGrid, seeds);
}

function listFlag<T>(
  value: string | undefined,
  flag: string,
  convert: (item: string) => T,
): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${flag} needs a comma-separated list`);
  return items.map(convert);
}

/** A converter for listFlag that takes whole numbers only. */
function integers(flag: string): (item: string) => number {
  return (item) => {
    const value = Number(item);
    if (!Number.isInteger(value)) throw new UsageError(`--${flag} takes integers, got "${item}"`);
    return value;
  };
}

function rateFlag(item: string): number {
  const rate = Number(item);
  if (!(rate > 0 && rate <= 1))
    throw new UsageError(`--learning-rates takes numbers in (0, 1], got "${item}"`);
  return rate;
}
