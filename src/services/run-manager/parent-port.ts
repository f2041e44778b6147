/**
 * A worker process's line to its parent, the same whether Node's `child_process.fork` (IPC on
 * `process.send`) or Electron's `utilityProcess` (`process.parentPort`) started it.
 */
export interface ParentPort<Send> {
  send(message: Send): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The parent went away (it crashed or was killed): nobody will record what we do next. */
  onDisconnect(listener: () => void): void;
}

/** Electron's `process.parentPort` in a utility process (typed here: services never import electron). */
interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function connectToParent<Send>(entry: string): ParentPort<Send> {
  const electronPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort !== undefined) {
    return {
      send: (message) => electronPort.postMessage(message),
      onMessage: (listener) => electronPort.on('message', (event) => listener(event.data)),
      // Electron ends utility processes together with the app.
      onDisconnect: () => {},
    };
  }
  const send = process.send?.bind(process);
  if (send === undefined) {
    throw new Error(`${entry} is started by the workbench, not by hand (no IPC channel)`);
  }
  return {
    send: (message) => {
      if (process.connected) send(message);
    },
    onMessage: (listener) => process.on('message', listener),
    onDisconnect: (listener) => process.on('disconnect', listener),
  };
}
