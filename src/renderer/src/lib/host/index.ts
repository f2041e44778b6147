/** Picks the Host for where the renderer runs: the Electron bridge, or the `mot serve` WebSocket. */
import { WorkbenchError, type Host } from '../../../../core/api/contract';
import { desktopHost } from './desktop';
import { readToken, websocketHost } from './websocket';

export async function connectHost(): Promise<Host> {
  if (window.workbench) return desktopHost(window.workbench);
  const token = readToken(window.location, window.sessionStorage);
  if (!token) {
    throw new WorkbenchError(
      'unauthorized',
      'open the URL that `mot serve` printed: it carries the access token',
    );
  }
  return websocketHost(token);
}
