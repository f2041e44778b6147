/**
 * The built preload, loaded the way Electron loads a sandboxed preload: as a CommonJS script whose
 * `require` knows only `electron`, `events`, `timers` and `url`, with a fake `electron` whose
 * contextBridge records what the page would receive. A preload that requires anything else throws
 * before it exposes the bridge, and the app falls back to asking for `mot serve`'s URL.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES } from '../../src/core/api/contract';
import { IPC_CALL, IPC_EVENT } from '../../src/core/api/ipc';
import { buildAppIntoTemp } from './built-app';

/** What a sandboxed preload's `require` resolves (Electron's sandboxed-renderer docs). */
const SANDBOX_MODULES = ['electron', 'events', 'timers', 'url'] as const;

type Listener = (...args: unknown[]) => void;

interface FakeElectron {
  exposed: Map<string, unknown>;
  invoked: unknown[][];
  listeners: Map<string, Listener[]>;
  module: unknown;
}

function fakeElectron(): FakeElectron {
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Listener[]>();
  const ipcRenderer = {
    invoke: (...args: unknown[]) => {
      invoked.push(args);
      return Promise.resolve({ ok: true, value: null });
    },
    on: (channel: string, listener: Listener) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      return ipcRenderer;
    },
    off: (channel: string, listener: Listener) => {
      listeners.set(
        channel,
        (listeners.get(channel) ?? []).filter((l) => l !== listener),
      );
      return ipcRenderer;
    },
  };
  const contextBridge = {
    exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value),
  };
  return { exposed, invoked, listeners, module: { contextBridge, ipcRenderer } };
}

/** Runs `source` as Electron runs a sandboxed preload; returns what it required. */
function loadSandboxed(source: string, electron: unknown): string[] {
  const required: string[] = [];
  const sandboxRequire = (id: string): unknown => {
    required.push(id);
    if (id === 'electron') return electron;
    if ((SANDBOX_MODULES as readonly string[]).includes(id)) return {};
    throw new Error(`module not found: ${id}`);
  };
  const module = { exports: {} };
  // The sandboxed preload's `process` is a small subset of Node's.
  const process = { platform: 'linux', versions: {}, env: {}, type: 'renderer', sandboxed: true };
  const wrapper = `(function (exports, require, module, process) {${source}\n})`;
  const run = runInNewContext(wrapper, { console }) as (...args: unknown[]) => void;
  run(module.exports, sandboxRequire, module, process);
  return required;
}

describe('the built preload under the sandbox', () => {
  let outDir: string;
  let source: string;

  beforeAll(async () => {
    outDir = await buildAppIntoTemp();
    source = readFileSync(join(outDir, 'preload', 'index.cjs'), 'utf8');
  }, 120_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('requires nothing but electron', () => {
    const requires = [...source.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map(
      (m) => m[1],
    );
    expect(new Set(requires)).toEqual(new Set(['electron']));
  });

  it('exposes the workbench bridge with every API method and event', () => {
    const electron = fakeElectron();
    const required = loadSandboxed(source, electron.module);
    expect(required).toEqual(['electron']);
    expect([...electron.exposed.keys()]).toEqual(['workbench']);
    const bridge = electron.exposed.get('workbench') as {
      version: unknown;
      platform: unknown;
      api: Record<string, unknown>;
      on: Record<string, unknown>;
    };
    expect(bridge.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(bridge.platform).toBe('linux');
    expect(Object.keys(bridge.api).sort()).toEqual([...METHOD_NAMES].sort());
    expect(Object.keys(bridge.on).sort()).toEqual([...EVENT_NAMES].sort());
    for (const name of METHOD_NAMES) expect(typeof bridge.api[name]).toBe('function');
    for (const name of EVENT_NAMES) expect(typeof bridge.on[name]).toBe('function');
  });

  it('sends each call on the invoke channel with its method name', async () => {
    const electron = fakeElectron();
    loadSandboxed(source, electron.module);
    const bridge = electron.exposed.get('workbench') as {
      api: Record<string, (request: unknown) => Promise<unknown>>;
    };
    const method = METHOD_NAMES[0];
    await bridge.api[method]({ probe: 1 });
    expect(electron.invoked).toEqual([[IPC_CALL, method, { probe: 1 }]]);
  });

  it('fans events out from one ipcRenderer listener, and unsubscribes', () => {
    const electron = fakeElectron();
    loadSandboxed(source, electron.module);
    const bridge = electron.exposed.get('workbench') as {
      on: Record<string, (listener: (payload: unknown) => void) => () => void>;
    };
    const [first, second] = EVENT_NAMES;
    const seen: string[] = [];
    const offs = Array.from({ length: 12 }, (_, i) =>
      bridge.on[i % 2 === 0 ? first : second]((payload) => seen.push(`${i}:${String(payload)}`)),
    );
    expect(electron.listeners.get(IPC_EVENT)).toHaveLength(1);
    const [dispatch] = electron.listeners.get(IPC_EVENT) ?? [];
    dispatch({}, first, 'a');
    expect(seen).toEqual(['0:a', '2:a', '4:a', '6:a', '8:a', '10:a']);
    offs.forEach((off) => off());
    seen.length = 0;
    dispatch({}, first, 'b');
    dispatch({}, second, 'c');
    dispatch({}, 'not-an-event', 'd');
    expect(seen).toEqual([]);
  });
});
