/**
 * `mot serve`: the workbench in a browser. Serves the built renderer and the API (WebSocket, token
 * in the printed URL) on 127.0.0.1; training runs in child processes managed by the Workbench.
 * Reach it on a remote GPU box through an SSH tunnel: `ssh -L 5175:127.0.0.1:5175 box`.
 */
import { ensureRendererBuilt } from '../../services/server/renderer-build';
import { startWorkbenchServer } from '../../services/server/workbench-server';
import { resolveDataDir } from '../../services/store';
import { Workbench } from '../../services/workbench';
import { numberFlag, parse } from '../args';
import { progress } from '../output';
import { printNotices } from '../store';

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  const port = numberFlag(values.port, 'port', 5175, 0, 65535);
  const host = values.host ?? '127.0.0.1';
  const staticDir = ensureRendererBuilt(progress);
  const workbench = await Workbench.open(resolveDataDir(values['data-dir']));
  const server = await startWorkbenchServer({ api: workbench, staticDir, port, host }).catch(
    async (error: unknown) => {
      await workbench.close();
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'EADDRINUSE' ? `port ${port} is in use: pick another with --port` : String(error),
        { cause: error },
      );
    },
  );
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    progress(
      `warning: listening on ${host}, not loopback: anyone who can reach it and has the token can train and read runs`,
    );
  }
  progress(`data dir ${workbench.dataDir}`);
  printNotices(workbench.store);
  // The URL is the one line on stdout, so scripts (and tests) can read it.
  process.stdout.write(`${server.url}\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  progress('shutting down: running runs stop with a checkpoint...');
  await server.close();
  await workbench.close();
}
