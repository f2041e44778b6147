/**
 * The Host in a plain browser (`mot serve`): one WebSocket to the server, calls matched to answers
 * by id, events fanned out to listeners. The token comes from the URL the server printed and is
 * kept for the tab's session, so a reload still connects. If the connection drops, pending calls
 * fail and the host reconnects with back-off; listeners stay subscribed.
 */
import {
  WorkbenchError,
  type EventName,
  type Events,
  type Host,
  type MethodName,
  type ResponseOf,
} from '../../../../core/api/contract';
import {
  API_SOCKET_PATH,
  encodeCall,
  type CallMessage,
  type ServerMessage,
} from '../../../../core/api/wire';

const TOKEN_KEY = 'mot-workbench-token';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export function readToken(location: Location, storage: Storage): string | null {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) storage.setItem(TOKEN_KEY, fromUrl);
  return fromUrl ?? storage.getItem(TOKEN_KEY);
}

export async function websocketHost(
  token: string,
  location: Location = window.location,
): Promise<Host> {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.host}${API_SOCKET_PATH}?token=${encodeURIComponent(token)}`;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let nextId = 1;
  let socket: WebSocket;
  let opened: Promise<void>;

  const connect = (): Promise<void> => {
    socket = new WebSocket(url);
    socket.addEventListener('message', (message) => receive(String(message.data)));
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener(
        'close',
        () => {
          reject(
            new WorkbenchError(
              'unauthorized',
              'the workbench server refused the connection (wrong or expired token?)',
            ),
          );
          for (const call of pending.values())
            call.reject(
              new WorkbenchError('failed', 'the connection to the workbench server was lost'),
            );
          pending.clear();
          setTimeout(() => (opened = connect().catch(() => {})), 1000);
        },
        { once: true },
      );
    });
  };

  const receive = (text: string) => {
    const message = JSON.parse(text) as ServerMessage;
    if ('event' in message) {
      for (const listener of listeners.get(message.event) ?? []) listener(message.payload as never);
      return;
    }
    const call = message.id === null ? undefined : pending.get(message.id);
    if (!call || message.id === null) return;
    pending.delete(message.id);
    const { result } = message;
    if (result.ok) call.resolve(result.value);
    else
      call.reject(new WorkbenchError(result.error.code, result.error.message, result.error.issues));
  };

  opened = connect();
  await opened;

  return {
    kind: 'browser',
    async call<M extends MethodName>(method: M, request: unknown): Promise<ResponseOf<M>> {
      await opened;
      const id = nextId++;
      const message: CallMessage = { id, method, request };
      const frame = encodeCall(message);
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        socket.send(frame);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
  };
}
