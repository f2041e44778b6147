/** `mot attach PATH`: registers an external run folder (an export trained elsewhere) as a run. */
import { attachRunFolder } from '../../services/engines/attach';
import { RunStore, resolveDataDir } from '../../services/store';
import { parse, UsageError } from '../args';
import { progress, result } from '../output';

export async function attachCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { 'data-dir': { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError('give one run folder: mot attach PATH');
  const store = await RunStore.open(resolveDataDir(values['data-dir']));
  const record = await attachRunFolder(store, positionals[0] as string);
  progress(
    `attached ${positionals[0]} as run ${record.id} (deleting the run detaches it; the folder stays)`,
  );
  result(record);
}
