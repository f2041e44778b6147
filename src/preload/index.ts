/**
 * The preload: the only code that sees both the page and Electron. It stays tiny on purpose: one
 * named function per API method and one subscription per event, all derived from the contract
 * table, so no channel name is written twice; never `ipcRenderer` itself.
 *
 * It runs sandboxed, so it is bundled as one CommonJS file and may import only `electron`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { version } from '../../package.json';
import {
  EVENT_NAMES,
  METHOD_NAMES,
  type ApiResult,
  type EventName,
  type Events,
  type MethodName,
  type RequestOf,
  type ResponseOf,
} from '../core/api/contract';
import { IPC_CALL, IPC_EVENT } from '../core/api/ipc';

type Api = { [M in MethodName]: (request: RequestOf<M>) => Promise<ApiResult<ResponseOf<M>>> };
type Subscriptions = { [E in EventName]: (listener: (payload: Events[E]) => void) => () => void };

const api = Object.fromEntries(
  METHOD_NAMES.map((name) => [
    name,
    (request: unknown) => ipcRenderer.invoke(IPC_CALL, name, request),
  ]),
) as Api;

/** Subscriptions share one channel; each returns its unsubscribe. */
const on = Object.fromEntries(
  EVENT_NAMES.map((name) => [
    name,
    (listener: (payload: unknown) => void) => {
      const forward = (_event: IpcRendererEvent, event: string, payload: unknown) => {
        if (event === name) listener(payload);
      };
      ipcRenderer.on(IPC_EVENT, forward);
      return () => {
        ipcRenderer.off(IPC_EVENT, forward);
      };
    },
  ]),
) as Subscriptions;

const workbench = {
  /** The app's version, from package.json at build time. */
  version,
  /** Node's name for the operating system: 'linux', 'darwin', 'win32'. */
  platform: process.platform,
  api,
  on,
} as const;

/** What the page sees as `window.workbench` (typed for the renderer in src/renderer/src/env.d.ts). */
export type WorkbenchBridge = Readonly<typeof workbench>;

contextBridge.exposeInMainWorld('workbench', workbench);
