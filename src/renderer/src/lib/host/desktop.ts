/** The Host inside Electron: calls and events go through the preload bridge (window.workbench). */
import { WorkbenchError, type Host } from '../../../../core/api/contract';
import type { WorkbenchBridge } from '../../../../preload/index';

export function desktopHost(bridge: WorkbenchBridge): Host {
  return {
    kind: 'desktop',
    async call(method, request) {
      const result = await bridge.api[method](request as never);
      if (!result.ok)
        throw new WorkbenchError(result.error.code, result.error.message, result.error.issues);
      return result.value as never;
    },
    on(event, listener) {
      return bridge.on[event](listener as never);
    },
  };
}
