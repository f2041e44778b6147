/** `mot bench`: its flags, and the per-kernel profile as a user sees it. */
import { describe, expect, it } from 'vitest';
import { freshDir, mot } from './run-mot';

describe('mot bench', () => {
  it('rejects a --native that is not on, off or both, before it trains anything', () => {
    const { code, stderr, stdout } = mot(['bench', '--native', 'maybe'], freshDir());
    expect(code).toBe(2); // usage errors exit 2
    expect(stderr).toMatch(/--native must be on, off or both/);
    expect(stdout).toBe('');
  });

  it('--profile prints the kernel table on stderr and the profile in the JSON line', () => {
    const { code, stdout, stderr } = mot(
      ['bench', '--backend', 'wasm', '--kind', 'dense', '--steps', '1', '--profile'],
      freshDir(),
    );
    expect(code).toBe(0);
    const line = JSON.parse(stdout.trim().split('\n')[0]);
    expect(line).toMatchObject({ backend: 'wasm', kind: 'dense', available: true });
    expect(line.profile.top.length).toBeGreaterThan(5);
    expect(line.profile.byKind.map((k: { kind: string }) => k.kind)).toContain('matMul');
    expect(line.profile.matMul.flopsPerStep).toBeGreaterThan(1e9);
    expect(stderr).toMatch(/matMul: [\d.]+ GFLOP in [\d.]+ ms = [\d.]+ GFLOP\/s; ceiling/);
    expect(stderr).toMatch(/kernel\s+input shapes\s+calls\s+ms\/step\s+share\s+GFLOP\/s/);
  });

  it('--workers 1,2 measures each kind with each count, and says how busy each thread was', () => {
    const bad = mot(['bench', '--workers', '1,zero'], freshDir());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--workers must be an integer from 1 to 256, got "zero"/);

    const { code, stdout } = mot(
      ['bench', '--backend', 'wasm', '--kind', 'mot', '--steps', '2', '--workers', '1,2'],
      freshDir(),
    );
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.kind, l.workers, l.available])).toEqual([
      ['mot', 1, true],
      ['mot', 2, true],
    ]);
    // Linux reports each thread's CPU time: one figure per thread, the main thread first.
    expect(lines.map((l) => l.threadCpuMsPerStep.length)).toEqual([1, 2]);
    for (const ms of lines[1].threadCpuMsPerStep) expect(ms).toBeGreaterThan(0);
  });
});
