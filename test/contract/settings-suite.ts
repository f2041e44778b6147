/**
 * App settings through the API, in-process and over the WebSocket like the rest of the contract:
 * the malformed requests (merged into the contract suite's table, which checks every method has
 * some), and the settings' life: concurrency and the torch engine's Python changed, searched
 * with, and forgotten. A path must be absolute and an existing executable file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ApiResult,
  AppSettings,
  MethodName,
  PythonSearchReport,
} from '../../src/core/api/contract';
import { listing, type ContractClient } from './contract-suite';

type BadCase = [MethodName | string, unknown, string];

export function settingsBadCases(): BadCase[] {
  return [
    ['getSettings', { bogus: 1 }, 'bogus'],
    ['getSettings', 'x', '(request)'],
    ['updateSettings', { bogus: 1 }, 'bogus'],
    ['updateSettings', { trainingConcurrency: 0 }, 'trainingConcurrency'],
    ['updateSettings', { trainingConcurrency: 65 }, 'trainingConcurrency'],
    ['updateSettings', { trainingConcurrency: 1.5 }, 'trainingConcurrency'],
    ['updateSettings', { trainingConcurrency: 'two' }, 'trainingConcurrency'],
    ['updateSettings', { pythonPath: 5 }, 'pythonPath'],
    ['updateSettings', { pythonPath: '   ' }, 'pythonPath'],
    ['updateSettings', { pythonPath: `/${'x'.repeat(4096)}` }, 'pythonPath'],
    ['updateSettings', { pythonPath: '/bin/python\u0000x' }, 'pythonPath'],
    // Checked on the Node side: a relative path, no file, a folder. Nothing is stored.
    ['updateSettings', { pythonPath: 'venv/bin/python' }, 'pythonPath'],
    ['updateSettings', { pythonPath: '/no/such/python3', trainingConcurrency: 2 }, 'pythonPath'],
    ['updateSettings', { pythonPath: '/' }, 'pythonPath'],
    ['findPython', { bogus: 1 }, 'bogus'],
    ['findPython', { pythonPath: 7 }, 'pythonPath'],
    ['findPython', { pythonPath: '/no/such/python3' }, 'pythonPath'],
    ['findPython', 'x', '(request)'],
  ];
}

async function ok<T>(client: ContractClient, method: MethodName, request: unknown): Promise<T> {
  const result: ApiResult<unknown> = await client.call(method, request);
  if (!result.ok)
    throw new Error(`${method} failed: ${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

export function defineSettingsSuite(name: string, makeClient: () => Promise<ContractClient>): void {
  describe(`${name}: settings`, () => {
    let client: ContractClient;

    beforeAll(async () => {
      client = await makeClient();
    });
    afterAll(async () => {
      await client?.close();
    });

    it('starts with one run at a time and no Python chosen', async () => {
      expect(await ok<AppSettings>(client, 'getSettings', {})).toEqual({
        trainingConcurrency: 1,
        pythonPath: null,
      });
    });

    it('changes the concurrency and keeps it', async () => {
      const changed = await ok<AppSettings>(client, 'updateSettings', { trainingConcurrency: 3 });
      expect(changed.trainingConcurrency).toBe(3);
      expect((await ok<AppSettings>(client, 'getSettings', {})).trainingConcurrency).toBe(3);
    });

    it('refuses a path that is no executable file, saying why, and stores nothing', async () => {
      const before = listing(client.dataDir);
      const result = await client.call('updateSettings', { pythonPath: '/no/such/python3' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.message).toBe('pythonPath: no file at /no/such/python3');
      expect(listing(client.dataDir)).toEqual(before);
      expect((await ok<AppSettings>(client, 'getSettings', {})).pythonPath).toBeNull();
    });

    it('keeps an executable as the Python, searches with it first and reports why it is rejected', async () => {
      // Node is an executable file, so the setting is accepted; it is no Python, so rejected.
      const node = process.execPath;
      const saved = await ok<AppSettings>(client, 'updateSettings', { pythonPath: node });
      expect(saved.pythonPath).toBe(node);
      const report = await ok<PythonSearchReport>(client, 'findPython', {});
      expect(report.candidates[0]).toMatchObject({
        command: node,
        source: 'setting',
        status: 'rejected',
      });
      expect(report.candidates[0]!.reason).toMatch(/^not a (working )?Python/);
      expect(report.candidates.map((c) => c.source)).toContain('PATH');
      // The first candidate with torch is chosen, the rest with torch are only usable.
      const withTorch = report.candidates.filter((c) => c.status !== 'rejected');
      expect(withTorch.map((c) => c.status)).toEqual(
        withTorch.map((_, i) => (i === 0 ? 'chosen' : 'usable')),
      );
      for (const c of withTorch) expect(c.torch).toMatch(/^\d+\.\d+/);
      expect(report.summary).toMatch(withTorch.length > 0 ? /torch/ : /no Python with torch/);
    }, 120_000);

    it('tries a path as typed without saving it, then forgets the saved one', async () => {
      const report = await ok<PythonSearchReport>(client, 'findPython', {
        pythonPath: process.execPath,
      });
      expect(report.candidates[0]?.source).toBe('setting');
      const cleared = await ok<AppSettings>(client, 'updateSettings', {
        pythonPath: null,
        trainingConcurrency: 1,
      });
      expect(cleared).toEqual({ trainingConcurrency: 1, pythonPath: null });
      const after = await ok<PythonSearchReport>(client, 'findPython', {});
      expect(after.candidates.map((c) => c.source)).not.toContain('setting');
    }, 120_000);
  });
}
