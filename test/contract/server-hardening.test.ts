/**
 * `mot serve` against hostile bytes: each malformed WebSocket frame closes only the connection
 * that sent it (the server, its other clients and a training run carry on), and the Host header
 * must name loopback (DNS rebinding). The server runs in its own process, as `mot serve` does, so
 * a crash shows as that process exiting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiResult } from '../../src/core/api/contract';
import type { ServerMessage } from '../../src/core/api/wire';
import { closeCode, frame, rawHandshake } from './raw-websocket';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'serve-ws.ts');
const MiB = 1024 * 1024;

interface Served {
  child: ChildProcess;
  port: number;
  token: string;
  stop(): Promise<void>;
}

/** Starts the server in its own process on a fresh data dir. */
async function serve(): Promise<Served> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'mot-hardening-')), 'data');
  const staticDir = mkdtempSync(join(tmpdir(), 'mot-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>MoT Workbench</title>');
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir, staticDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it listened`)));
  });
  const { port, token } = JSON.parse(firstLine) as { port: number; token: string };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, port, token, stop };
}

interface Client {
  ws: WebSocket;
  call(method: string, request: unknown): Promise<ApiResult<unknown>>;
  statuses: string[];
}

async function openClient({ port, token }: Served): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, (result: ApiResult<unknown>) => void>();
  const statuses: string[] = [];
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as ServerMessage;
    if ('event' in message) {
      if (message.event === 'runStatus') statuses.push(message.payload.status);
    } else if (message.id !== null) pending.get(message.id)?.(message.result);
  });
  return {
    ws,
    statuses,
    call: (method, request) =>
      within(
        10_000,
        new Promise((resolve) => {
          const id = nextId++;
          pending.set(id, resolve);
          ws.send(JSON.stringify({ id, method, request }));
        }),
      ),
  };
}

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms),
    ),
  ]);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Completes the handshake with the token and the server's own Origin, sends `bytes`, waits for the close. */
async function sendMalformed(served: Served, bytes: Buffer): Promise<number | null> {
  const raw = await rawHandshake({
    port: served.port,
    path: `/api?token=${served.token}`,
    origin: `http://127.0.0.1:${served.port}`,
  });
  expect(raw.status).toMatch(/ 101 /);
  raw.socket.write(bytes);
  await within(10_000, raw.closed);
  return closeCode(raw.received());
}

const MALFORMED: [string, Buffer, number][] = [
  [
    'a frame over the 4 MiB limit',
    frame({ opcode: 0x1, payload: Buffer.alloc(1024, 0x20), declaredLength: 4 * MiB + 1 }),
    1009,
  ],
  [
    'invalid UTF-8 in a text frame',
    frame({ opcode: 0x1, payload: Buffer.from([0xff, 0xfe]) }),
    1007,
  ],
  [
    'an unmasked frame',
    frame({ opcode: 0x1, payload: Buffer.from('{"id":1}'), mask: false }),
    1002,
  ],
  ['a ping over 125 bytes', frame({ opcode: 0x9, payload: Buffer.alloc(126, 1) }), 1002],
];

describe('a malformed frame closes its own connection only', () => {
  let served: Served;
  beforeEach(async () => {
    served = await serve();
  });
  afterEach(() => served.stop());

  it.each(MALFORMED)('%s', async (_, bytes, expectedCode) => {
    const other = await openClient(served);
    expect(await sendMalformed(served, bytes)).toBe(expectedCode);
    // The server is alive, its other client still answers, and a new one can connect.
    expect(served.child.exitCode).toBeNull();
    expect(await other.call('listRuns', {})).toMatchObject({ ok: true });
    const fresh = await openClient(served);
    expect(await fresh.call('listPresets', {})).toMatchObject({ ok: true });
    fresh.ws.close();
    other.ws.close();
  });

  it('a run trains on to its last step while all four arrive', async () => {
    const steps = 200;
    const client = await openClient(served);
    const created = await client.call('createRun', {
      preset: 'smoke',
      config: { train: { steps, checkpointEvery: 50, evalEvery: 100 } },
    });
    const runId = (created as { value: { id: string } }).value.id;
    expect(await client.call('startRun', { runId })).toMatchObject({ ok: true });
    await until(() => client.statuses.includes('running'), 60_000);
    for (const [, bytes, code] of MALFORMED) expect(await sendMalformed(served, bytes)).toBe(code);
    expect(client.statuses).not.toContain('completed');
    await until(() => client.statuses.at(-1) === 'completed', 150_000);
    const run = await client.call('getRun', { runId });
    expect(run).toMatchObject({ ok: true, value: { record: { lastStep: steps } } });
    client.ws.close();
  });

  it('answers a note over the contract limit with invalid_request, on an open socket', async () => {
    const client = await openClient(served);
    const created = await client.call('createRun', { preset: 'smoke' });
    const runId = (created as { value: { id: string } }).value.id;
    const result = await client.call('updateRun', { runId, notes: 'x'.repeat(20_001) });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await client.call('listRuns', {})).toMatchObject({ ok: true });
    client.ws.close();
  });
});

describe('the Host header must name loopback with the server port', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve();
  });
  afterAll(() => served.stop());

  /** GET with a chosen Host header (fetch does not let one set it). */
  const getStatus = (host: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const headers = { Host: host };
      const req = httpRequest({ host: '127.0.0.1', port: served.port, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it.each(['127.0.0.1', 'localhost', '[::1]'])('serves pages for %s', async (name) => {
    expect(await getStatus(`${name}:${served.port}`)).toBe(200);
  });

  it.each(['evil.example', 'rebind.127.0.0.1.nip.io', '127.0.0.1.evil.example'])(
    'refuses pages for %s (DNS rebinding)',
    async (name) => {
      expect(await getStatus(`${name}:${served.port}`)).toBe(403);
    },
  );

  it('refuses another port and a missing port', async () => {
    expect(await getStatus(`127.0.0.1:${served.port === 65535 ? 1 : served.port + 1}`)).toBe(403);
    expect(await getStatus('127.0.0.1')).toBe(403);
  });

  it('refuses the socket for a foreign Host, even with the token', async () => {
    const path = `/api?token=${served.token}`;
    const foreign = await rawHandshake({
      port: served.port,
      path,
      host: `evil.example:${served.port}`,
    });
    expect(foreign.status).toMatch(/ 403 /);
    const own = await rawHandshake({ port: served.port, path, host: `localhost:${served.port}` });
    expect(own.status).toMatch(/ 101 /);
    own.socket.destroy();
  });

  it('refuses an Origin that is not the page the Host names', async () => {
    const raw = await rawHandshake({
      port: served.port,
      path: `/api?token=${served.token}`,
      host: `localhost:${served.port}`,
      origin: `http://evil.example:${served.port}`,
    });
    expect(raw.status).toMatch(/ 403 /);
  });
});
