/** Attaching an external run folder, picked in the desktop app's folder dialog. */
import { WorkbenchError } from '../../core/api/contract';
import { attachRunFolder } from '../engines/attach';
import { cliCommand } from './cli-hint';
import type { Handler } from './context';

/** No path ever travels in a request: the desktop app asks its own dialog. */
export const attachFolder: Handler<'attachFolder'> = async (context) => {
  if (!context.pickRunFolder) {
    throw new WorkbenchError(
      'failed',
      `browser mode cannot open folders on the server: run \`${cliCommand('attach PATH', context.store.dataDir)}\` there; the run appears in Runs within seconds`,
    );
  }
  const folder = await context.pickRunFolder();
  if (folder === null) return { canceled: true as const };
  try {
    return await attachRunFolder(context.store, folder);
  } catch (error) {
    throw new WorkbenchError('failed', (error as Error).message);
  }
};
