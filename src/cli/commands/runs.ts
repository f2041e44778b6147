/**
 * `mot runs`: the catalog as a table, or as JSON. Runs left `running` by a process that is gone
 * (a SIGKILLed `mot train`) are marked `interrupted` first: `mot resume` continues them.
 */
import { resolveDataDir } from '../../services/store';
import { recoverInterruptedRuns } from '../../services/interrupted';
import { openStore } from '../store';
import { parse } from '../args';
import { formatDuration, table } from '../output';

export async function runsCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' }, 'data-dir': { type: 'string' } });
  const store = await openStore(resolveDataDir(values['data-dir']));
  await recoverInterruptedRuns(store);
  const runs = store.list();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return;
  }
  if (runs.length === 0) {
    process.stdout.write(`no runs in ${store.dataDir} yet: try \`mot train --preset tiny-mot\`\n`);
    return;
  }
  const rows = runs.map((r) => [
    r.id,
    r.name,
    r.status,
    r.ffnSummary,
    String(r.lastStep),
    r.bestValidationLoss === undefined ? '-' : r.bestValidationLoss.toFixed(4),
    r.tokensSeen.toLocaleString('en-US'),
    r.elapsedMs === undefined ? '-' : formatDuration(r.elapsedMs),
  ]);
  process.stdout.write(
    `${table(['id', 'name', 'status', 'ffn', 'step', 'best val', 'tokens', 'trained'], rows)}\n`,
  );
}
