/** `mot export`: a self-contained folder that trains a run with python3 / torchrun / SLURM. */
import { resolveConfig } from '../../core/config';
import { BASE_CONFIG, findPreset } from '../../core/presets';
import { exportNewRun, exportStoredRun } from '../../services/engines/export';
import { RunStore, resolveDataDir } from '../../services/store';
import { parse, requireFlag, UsageError } from '../args';
import { readJsonFile } from '../files';
import { progress, result } from '../output';

export async function exportCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    run: { type: 'string' },
    config: { type: 'string' },
    preset: { type: 'string' },
    out: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  const out = requireFlag(values.out, 'out');
  if ((values.run === undefined) === (values.config === undefined && values.preset === undefined))
    throw new UsageError('give either --run ID or --config FILE (and/or --preset NAME)');
  const dataDir = resolveDataDir(values['data-dir']);
  let exported;
  if (values.run !== undefined) {
    const store = await RunStore.open(dataDir);
    exported = await exportStoredRun(store, values.run, out);
  } else {
    const base = values.preset ? findPreset(values.preset).config : BASE_CONFIG;
    const config = resolveConfig(base, values.config ? readJsonFile(values.config) : {});
    exported = await exportNewRun(config, out, dataDir);
  }
  progress(
    `exported to ${exported.dir}: train with \`python3 ${exported.dir}/train.py\` (see README.md)`,
  );
  result(exported);
}
