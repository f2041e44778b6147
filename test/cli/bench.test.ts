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
});
