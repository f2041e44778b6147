/**
 * The preload: the only code that sees both the page and Electron. It stays tiny on purpose: one
 * named function per API method and one subscription per event, all derived from the contract
 * table, so no channel name is written twice; never `ipcRenderer` itself.
 *
 * It runs sandboxed: Electron gives it a `require` that knows only `electron`, `events`, `timers`
 * and `url`. So the build bundles everything it imports (valibot, through the contract) into one
 * CommonJS file that requires `electron` alone (electron.vite.config.ts; test/main/preload.test.ts
 * loads the built file under exactly that restriction).
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

/**
 * Every event arrives on one channel, through one `ipcRenderer` listener that fans out to the
 * page's listeners by event name (one listener per subscription would pass Node's limit of 10).
 */
const listeners = new Map<string, Set<(payload: unknown) => void>>(
  EVENT_NAMES.map((name) => [name, new Set()]),
);
ipcRenderer.on(IPC_EVENT, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  const subscribed = typeof name === 'string' ? listeners.get(name) : undefined;
  subscribed?.forEach((listener) => listener(payload));
});

/** Each subscription returns its unsubscribe. */
const on = Object.fromEntries(
  EVENT_NAMES.map((name) => [
    name,
    (listener: (payload: unknown) => void) => {
      // A wrapper per call, so subscribing one function twice needs two unsubscribes.
      const subscribed = listeners.get(name);
      const entry = (payload: unknown) => listener(payload);
      subscribed?.add(entry);
      return () => {
        subscribed?.delete(entry);
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
