/**
 * The workbench API in the desktop app: one invoke channel answered by the Workbench service, one
 * event channel pushed to the window. Only the app's own page may call: a frame from anywhere
 * else gets `unauthorized`, and every request is validated by the Workbench before anything runs.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { EVENT_NAMES, type ApiResult } from '../core/api/contract';
import { IPC_CALL, IPC_EVENT } from '../core/api/ipc';
import type { Workbench } from '../services/workbench';

export function registerApi(
  workbench: Workbench,
  isAppUrl: (url: string) => boolean,
  window: () => WebContents | undefined,
): () => void {
  ipcMain.handle(
    IPC_CALL,
    (event: IpcMainInvokeEvent, method: unknown, request: unknown): Promise<ApiResult<unknown>> => {
      const senderUrl = event.senderFrame?.url ?? '';
      if (event.sender !== window() || !isAppUrl(senderUrl)) {
        return Promise.resolve({
          ok: false,
          error: { code: 'unauthorized', message: 'calls are accepted from the app window only' },
        });
      }
      return workbench.handle(typeof method === 'string' ? method : '', request);
    },
  );
  const unsubscribe = EVENT_NAMES.map((name) =>
    workbench.on(name, (payload) => {
      const contents = window();
      if (contents && !contents.isDestroyed()) contents.send(IPC_EVENT, name, payload);
    }),
  );
  return () => {
    ipcMain.removeHandler(IPC_CALL);
    unsubscribe.forEach((off) => off());
  };
}
