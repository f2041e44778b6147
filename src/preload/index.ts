/**
 * The preload: the only code that sees both the page and Electron. It stays tiny on purpose:
 * plain values and (later) one named function per API message; never `ipcRenderer` itself.
 *
 * It runs sandboxed, so it is bundled as one CommonJS file and may import only `electron`.
 */
import { contextBridge } from 'electron';
import { version } from '../../package.json';

const workbench = {
  /** The app's version, from package.json at build time. */
  version,
  /** Node's name for the operating system: 'linux', 'darwin', 'win32'. */
  platform: process.platform,
} as const;

/** What the page sees as `window.workbench` (typed for the renderer in src/renderer/src/env.d.ts). */
export type WorkbenchBridge = Readonly<typeof workbench>;

contextBridge.exposeInMainWorld('workbench', workbench);
