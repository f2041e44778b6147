/**
 * The WebSocket wire format of `mot serve`: JSON text frames. The client numbers its calls; the
 * server answers each with the same id, and pushes events without one.
 */
import { WorkbenchError, type ApiResult, type EventName, type Events } from './contract';

export interface CallMessage {
  id: number;
  method: string;
  request: unknown;
}

export type ServerMessage =
  | { id: number | null; result: ApiResult<unknown> }
  | { [E in EventName]: { event: E; payload: Events[E] } }[EventName];

/** The WebSocket path on the server; the token travels as `?token=`. */
export const API_SOCKET_PATH = '/api';
/** Largest frame either side accepts (a generation request with many long prompts fits easily). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * The text frame of one call. A call over the frame limit is refused here, before sending, with
 * the structured error the server would give: the server can only drop a frame that large.
 */
export function encodeCall(message: CallMessage): string {
  const text = JSON.stringify(message);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: encode only when that bound is over.
  const bytes = text.length * 3 <= MAX_FRAME_BYTES ? 0 : new TextEncoder().encode(text).length;
  if (bytes > MAX_FRAME_BYTES) {
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    throw new WorkbenchError(
      'invalid_request',
      `${message.method}: the request is ${mib(bytes)}; one call carries at most ${mib(MAX_FRAME_BYTES)}`,
    );
  }
  return text;
}
