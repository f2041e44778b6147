/**
 * `mot serve`: the built renderer over HTTP and the workbench API over a WebSocket, bound to
 * 127.0.0.1 by default. The API needs the random token the printed URL carries, and a browser
 * Origin other than the server's own is refused, so another web page cannot drive it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../../core/api/csp';
import { EVENT_NAMES, type ApiResult, type EventName, type Events } from '../../core/api/contract';
import {
  API_SOCKET_PATH,
  MAX_FRAME_BYTES,
  type CallMessage,
  type ServerMessage,
} from '../../core/api/wire';
import { serveStatic } from './static-files';

/** What the server exposes: the Workbench service, or anything that answers like it. */
export interface ApiEndpoint {
  handle(method: string, request: unknown): Promise<ApiResult<unknown>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

export interface ServerOptions {
  api: ApiEndpoint;
  /** The built renderer (out/renderer). */
  staticDir: string;
  port?: number;
  host?: string;
  /** Fixed token (tests); random 32 bytes when absent. */
  token?: string;
}

export interface RunningServer {
  /** Open this in a browser: it carries the token. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWorkbenchServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('hex');
  const headers = {
    'Content-Security-Policy': contentSecurityPolicy({ dev: false, delivery: 'header' }),
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  };

  const http = createServer((request, response) => {
    if (!allowedHost(request.headers.host, host, port())) {
      response.writeHead(403, headers).end(HOST_REFUSAL);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, headers).end();
      return;
    }
    serveStatic(options.staticDir, request.url ?? '/', response, headers).catch(() => {
      if (!response.headersSent) response.writeHead(500, headers);
      response.end();
    });
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  http.on('upgrade', (request, socket, head) => {
    // A client that resets mid-handshake must not take the server down.
    socket.on('error', () => socket.destroy());
    const refusal = refuseUpgrade(request, token, host, port());
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveClient(ws, options.api));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const port = () => (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port()}/?token=${token}`,
    port: port(),
    token,
    close: () =>
      new Promise((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

/** Why an upgrade is refused (an HTTP status line), or null to accept it. */
function refuseUpgrade(
  request: IncomingMessage,
  token: string,
  host: string,
  port: number,
): string | null {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname !== API_SOCKET_PATH) return '404 Not Found';
  if (!sameSecret(url.searchParams.get('token') ?? '', token)) return '401 Unauthorized';
  if (!allowedHost(request.headers.host, host, port)) return '403 Forbidden';
  // A browser page may open the socket only from the server's own pages (same Host).
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${request.headers.host}`) return '403 Forbidden';
  return null;
}

const HOST_REFUSAL =
  'the Host header must name this server: 127.0.0.1, localhost or [::1] with its port';
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * DNS rebinding: a foreign page whose domain resolves to 127.0.0.1 reaches us with its own name
 * in Host. Accept only loopback names, or the address the server was bound to, with our port.
 */
function allowedHost(header: string | undefined, boundHost: string, port: number): boolean {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(header ?? '');
  if (!match || Number(match[2] ?? 80) !== port) return false;
  const name = match[1].toLowerCase();
  if (LOOPBACK_NAMES.includes(name)) return true;
  const bound = boundHost.includes(':') ? `[${boundHost}]` : boundHost;
  // Bound to every interface, the server is reached by an address; a name could be rebound.
  if (bound === '0.0.0.0' || bound === '[::]') return isIP(name.replace(/^\[|\]$/g, '')) !== 0;
  return name === bound.toLowerCase();
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One client: calls answered in any order, every event pushed until the socket closes. */
function serveClient(ws: WebSocket, api: ApiEndpoint): void {
  const send = (message: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const unsubscribe = EVENT_NAMES.map((event) =>
    api.on(event, (payload) => send({ event, payload } as ServerMessage)),
  );
  // Generations this connection is waiting for: nobody will read them once it closes.
  const generations = new Set<string>();
  const connection = (connections += 1);
  ws.on('close', () => {
    unsubscribe.forEach((off) => off());
    for (const generationId of generations)
      void api.handle('cancelGeneration', { generationId }).catch(() => {});
  });
  // A malformed frame (too large, invalid UTF-8, unmasked, an oversized control frame) is a
  // protocol error of this connection: ws closes it with the matching code (1009, 1007, 1002)
  // and then reports it here. Without a listener the error would end the whole server.
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    const call = parseCall(isBinary ? null : data.toString());
    if (!call) {
      send({
        id: null,
        result: {
          ok: false,
          error: {
            code: 'invalid_request',
            message: 'a call is a JSON object {id, method, request}',
          },
        },
      });
      return;
    }
    const request = nameGeneration(call, `ws${connection}-${call.id}`);
    const generationId = (request as { generationId?: unknown } | null)?.generationId;
    if (typeof generationId === 'string') generations.add(generationId);
    api
      .handle(call.method, request)
      .catch((error: unknown) => ({
        ok: false as const,
        error: { code: 'failed' as const, message: String(error) },
      }))
      .then((result) => {
        if (typeof generationId === 'string') generations.delete(generationId);
        send({ id: call.id, result });
      });
  });
}

let connections = 0;

/** A generate call without a generationId gets one, so closing the socket can cancel it. */
function nameGeneration(call: CallMessage, fallback: string): unknown {
  const { method, request } = call;
  if (method !== 'generate' || typeof request !== 'object' || request === null) return request;
  if (Array.isArray(request) || 'generationId' in request) return request;
  return { ...request, generationId: fallback };
}

function parseCall(text: string | null): CallMessage | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<CallMessage>;
    if (typeof value !== 'object' || value === null) return null;
    if (!Number.isSafeInteger(value.id) || typeof value.method !== 'string') return null;
    return { id: value.id!, method: value.method, request: value.request };
  } catch {
    return null;
  }
}
