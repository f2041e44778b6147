/** `mot presets` and `mot backends`: what this install offers. */
import { ffnSummary } from '../../core/config';
import { PRESETS } from '../../core/presets';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { storedPythonPath } from '../../services/api';
import { probeBackends } from '../../services/backends';
import { formatPythonSearch, searchPythons } from '../../services/engines/python';
import { RunStore, resolveDataDir } from '../../services/store';
import { CATALOG_FILE } from '../../services/store/catalog';
import { parse } from '../args';
import { table } from '../output';

export async function presetsCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(PRESETS, null, 2)}\n`);
    return;
  }
  const rows = PRESETS.map((p) => [
    p.name,
    ffnSummary(p.config.model),
    String(p.config.train.steps),
    p.description,
  ]);
  process.stdout.write(`${table(['preset', 'ffn', 'steps', 'description'], rows)}\n`);
}

/**
 * Every backend, then the search for the torch engine's Python (each candidate: where it came
 * from, its torch and CUDA devices or why it was rejected), as the app's Settings shows it.
 */
export async function backendsCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { 'data-dir': { type: 'string' } });
  const pythonPath = await pythonSetting(resolveDataDir(values['data-dir']));
  const report = await searchPythons(pythonPath); // fresh; the torch row below reuses it
  const rows = (await probeBackends(pythonPath)).map((p) => [
    p.name,
    p.available ? 'yes' : 'no',
    p.detail,
  ]);
  process.stdout.write(`${table(['backend', 'available', 'detail'], rows)}\n\n`);
  process.stdout.write(`${formatPythonSearch(report).join('\n')}\n`);
}

/** The data dir's `pythonPath` setting, read without creating or repairing anything. */
async function pythonSetting(dataDir: string): Promise<string | undefined> {
  if (!existsSync(path.join(dataDir, CATALOG_FILE))) return undefined;
  return storedPythonPath(await RunStore.open(dataDir, { repair: false }));
}
