/**
 * The WebSocket wire format of `mot serve`: JSON text frames. The client numbers its calls; the
 * server answers each with the same id, and pushes events without one.
 */
import type { ApiResult, EventName, Events } from './contract';

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
