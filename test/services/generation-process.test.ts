/**
 * Generation runs in a task process: a long generate leaves the serving process free (another
 * call answers first), it can be canceled, and the pool recovers after a cancel. The backend
 * probe runs there too.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../src/core/api/contract';
import { startWorkbenchServer } from '../../src/services/server/workbench-server';
import { Workbench } from '../../src/services/workbench';
import WebSocket from 'ws';

let workbench: Workbench;
let runId: string;

/** Enough work to take seconds on any machine: 64 prompts of 256 tokens. */
const LONG = { prompts: Array.from({ length: 64 }, () => 'The '), maxTokens: 256 };

beforeAll(async () => {
  workbench = await Workbench.open(join(mkdtempSync(join(tmpdir(), 'mot-gen-')), 'data'));
  const created = await workbench.handle('createRun', { preset: 'smoke' });
  runId = (created as { value: { id: string } }).value.id;
  const completed = new Promise<void>((resolve) =>
    workbench.on('runStatus', (event) => {
      if (event.runId === runId && event.status === 'completed') resolve();
    }),
  );
  await workbench.handle('startRun', { runId });
  await completed;
  // Loads the backend (and, after the change, starts the warm task process) before the timed parts.
  const warm = await workbench.handle('generate', { runId, prompts: ['The '], maxTokens: 2 });
  expect(warm).toMatchObject({ ok: true });
}, 240_000);
afterAll(() => workbench.close());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('generation off the serving thread', () => {
  it('a long generate does not hold up a listRuns sent while it runs', async () => {
    const finished: string[] = [];
    const generating = workbench.handle('generate', { runId, ...LONG }).then((result) => {
      finished.push('generate');
      return result;
    });
    // A timer, so the listRuns is sent from the event loop, as a socket message would be.
    await pause(300);
    const listed = await workbench.handle('listRuns', {});
    finished.push('listRuns');
    expect(listed).toMatchObject({ ok: true });
    expect(await generating).toMatchObject({ ok: true, value: { step: 20 } });
    expect(finished).toEqual(['listRuns', 'generate']);
  });

  it('cancelGeneration ends a running generation, which answers canceled', async () => {
    const generating = workbench.handle('generate', { runId, ...LONG, generationId: 'long-1' });
    await pause(300);
    expect(await workbench.handle('cancelGeneration', { generationId: 'long-1' })).toEqual({
      ok: true,
      value: { canceled: true },
    });
    const result = (await generating) as ApiResult<unknown>;
    expect(result).toMatchObject({ ok: false, error: { code: 'canceled' } });
    // Nothing to cancel any more; the next generation gets a fresh process.
    expect(await workbench.handle('cancelGeneration', { generationId: 'long-1' })).toEqual({
      ok: true,
      value: { canceled: false },
    });
    const next = await workbench.handle('generate', { runId, prompts: ['A '], maxTokens: 3 });
    expect(next).toMatchObject({ ok: true, value: { step: 20 } });
  });

  it('refuses a second running generation under the same id', async () => {
    const first = workbench.handle('generate', { runId, ...LONG, generationId: 'twin' });
    await pause(100);
    const second = await workbench.handle('generate', { runId, ...LONG, generationId: 'twin' });
    expect(second).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await workbench.handle('cancelGeneration', { generationId: 'twin' });
    expect(await first).toMatchObject({ ok: false, error: { code: 'canceled' } });
  });

  it('a WebSocket that closes cancels the generations it was waiting for', async () => {
    const staticDir = mkdtempSync(join(tmpdir(), 'mot-static-'));
    const server = await startWorkbenchServer({ api: workbench, staticDir });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
      await new Promise((resolve) => ws.once('open', resolve));
      const request = { runId, ...LONG, generationId: 'socket-long' };
      ws.send(JSON.stringify({ id: 1, method: 'generate', request }));
      await pause(300);
      ws.close();
      await pause(300);
      // Already ended by the disconnect: nothing left to cancel.
      expect(await workbench.handle('cancelGeneration', { generationId: 'socket-long' })).toEqual({
        ok: true,
        value: { canceled: false },
      });
    } finally {
      await server.close();
    }
  });

  it('probes the backends in a task process: none is loaded into the serving one', async () => {
    const result = await workbench.handle('backendInfo', {});
    // Generation and the probe loaded wasm (and tfjs-node where installed) over there, not here.
    expect(tf.findBackendFactory('wasm')).toBeFalsy();
    expect(tf.findBackendFactory('tensorflow')).toBeFalsy();
    expect(result).toMatchObject({ ok: true });
    const names = (result as { value: { name: string; available: boolean }[] }).value;
    expect(names.map((b) => b.name)).toEqual(['tensorflow', 'webgpu', 'wasm', 'cpu', 'torch']);
    expect(names.find((b) => b.name === 'cpu')?.available).toBe(true);
  });
});
