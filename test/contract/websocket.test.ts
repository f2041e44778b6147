/**
 * The same contract suite through the WebSocket server of `mot serve`, plus what the server itself
 * must refuse: a missing or wrong token, a foreign Origin, malformed frames, paths outside its root.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiResult, EventName, Events } from '../../src/core/api/contract';
import type { ServerMessage } from '../../src/core/api/wire';
import {
  startWorkbenchServer,
  type RunningServer,
} from '../../src/services/server/workbench-server';
import { Workbench } from '../../src/services/workbench';
import { defineContractSuite, type ContractClient } from './contract-suite';
import { defineSettingsSuite } from './settings-suite';
import { defineStudySuite } from './study-suite';

function staticRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mot-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>MoT Workbench</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  return dir;
}

function socketUrl(server: RunningServer, token = server.token): string {
  return `ws://127.0.0.1:${server.port}/api?token=${token}`;
}

/** A Node client speaking the wire format, as the browser host does. */
async function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

function clientOver(ws: WebSocket, dataDir: string, close: () => Promise<void>): ContractClient {
  let nextId = 1;
  const pending = new Map<number, (result: ApiResult<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as ServerMessage;
    if ('event' in message)
      listeners.get(message.event)?.forEach((listener) => listener(message.payload));
    else if (message.id !== null) pending.get(message.id)?.(message.result);
  });
  return {
    dataDir,
    call: (method, request) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, request }));
      }),
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    close,
  };
}

async function overWebSocket(): Promise<ContractClient> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'mot-ws-')), 'data');
  const workbench = await Workbench.open(dataDir);
  const server = await startWorkbenchServer({ api: workbench, staticDir: staticRoot() });
  const ws = await connect(socketUrl(server));
  return clientOver(ws, workbench.dataDir, async () => {
    ws.close();
    await server.close();
    await workbench.close();
  });
}

defineContractSuite('websocket', overWebSocket);
defineStudySuite('websocket', overWebSocket);
defineSettingsSuite('websocket', overWebSocket);

describe('mot serve: what the server refuses', () => {
  let workbench: Workbench;
  let server: RunningServer;

  beforeAll(async () => {
    workbench = await Workbench.open(join(mkdtempSync(join(tmpdir(), 'mot-ws-')), 'data'));
    server = await startWorkbenchServer({ api: workbench, staticDir: staticRoot() });
  });
  afterAll(async () => {
    await server.close();
    await workbench.close();
  });

  it('binds to loopback and prints a URL that carries a 64-hex-digit token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  });

  it.each([
    ['no token', (s: RunningServer) => `ws://127.0.0.1:${s.port}/api`, {}, /401/],
    ['a wrong token', (s: RunningServer) => socketUrl(s, 'f'.repeat(64)), {}, /401/],
    [
      'a foreign Origin',
      (s: RunningServer) => socketUrl(s),
      { Origin: 'http://evil.example' },
      /403/,
    ],
    [
      'another path',
      (s: RunningServer) => `ws://127.0.0.1:${s.port}/other?token=${s.token}`,
      {},
      /404/,
    ],
  ])('refuses a socket with %s', async (_, url, headers, status) => {
    await expect(connect(url(server), headers)).rejects.toThrow(status);
  });

  it('accepts its own Origin', async () => {
    const ws = await connect(socketUrl(server), { Origin: `http://127.0.0.1:${server.port}` });
    ws.close();
  });

  it('answers a malformed frame with a structured error and keeps the socket open', async () => {
    const ws = await connect(socketUrl(server));
    const replies: ServerMessage[] = [];
    ws.on('message', (data) => replies.push(JSON.parse(String(data)) as ServerMessage));
    ws.send('not json');
    ws.send(JSON.stringify({ id: 'x', method: 1 }));
    ws.send(JSON.stringify({ id: 7, method: 'listRuns', request: {} }));
    await expect.poll(() => replies.length).toBe(3);
    expect(replies[0]).toMatchObject({
      id: null,
      result: { ok: false, error: { code: 'invalid_request' } },
    });
    expect(replies[2]).toMatchObject({ id: 7, result: { ok: true, value: [] } });
    ws.close();
  });

  it('serves the renderer, with a CSP, and nothing outside its folder', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await index.text()).toContain('MoT Workbench');
    expect((await fetch(`${base}/assets/app.js`)).headers.get('content-type')).toMatch(
      /javascript/,
    );
    for (const path of [
      '/../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/assets/../../etc/passwd',
      '/%00',
    ]) {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  });
});
