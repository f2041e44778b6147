/**
 * Checkpoints carry the sha256 of their tensors: a same-length corruption (NaNs written over
 * weights) is refused by generate and eval with a clear error, and resume falls back to the
 * newest checkpoint that verifies, saying so in the run's log (as it does for a torn metrics line).
 */
import {
  appendFileSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../src/services/store';
import { freshDir, lastJson, metrics, mot } from '../cli/run-mot';

/** Writes NaN over the first four floats of tensors.bin: same length, different bytes. */
function poison(runDir: string, step: number): void {
  const file = join(runDir, 'checkpoints', `step-${String(step).padStart(8, '0')}`, 'tensors.bin');
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from(new Float32Array([NaN, NaN, NaN, NaN]).buffer), 0, 16, 0);
  closeSync(fd);
}

describe('checkpoint checksums', () => {
  it('generate and eval refuse a corrupt checkpoint; resume falls back to the one before it', async () => {
    const dataDir = freshDir();
    const trained = mot(['train', '--preset', 'smoke', '--steps', '30'], dataDir);
    expect(trained.code, trained.stderr).toBe(0);
    const runId = lastJson(trained.stdout).runId as string;
    const store = await RunStore.open(dataDir);
    const runDir = store.runDir(runId);
    expect(store.listCheckpoints(runId)).toEqual([10, 20, 30]);
    poison(runDir, 30);
    expect(() => store.readCheckpoint(runId, 30)).toThrow(
      new RegExp(`checkpoint at step 30 of run ${runId} is damaged: .*sha256`),
    );

    const generated = mot(['generate', '--run', runId, '--prompt', 'The'], dataDir);
    expect(generated.code).not.toBe(0);
    expect(generated.stderr).toMatch(/^mot: .*checkpoint at step 30 .* is damaged: .*sha256/);
    const evaluated = mot(['eval', '--run', runId], dataDir);
    expect(evaluated.code).not.toBe(0);
    expect(evaluated.stderr).toMatch(/checkpoint at step 30 .* is damaged/);
    expect(mot(['generate', '--run', runId, '--step', '20', '--prompt', 'The'], dataDir).code).toBe(
      0,
    );

    // Give the run more steps to train, as if it had stopped at 30, and tear its last metric line.
    const configFile = join(runDir, 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    config.train.steps = 40;
    writeFileSync(configFile, JSON.stringify(config));
    await store.update(runId, { status: 'stopped' });
    appendFileSync(join(runDir, 'metrics.jsonl'), '{"type":"train","st');

    const resumed = mot(['resume', '--run', runId], dataDir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from the checkpoint at step 20/);
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', step: 40 });
    const log = readFileSync(join(runDir, 'log.txt'), 'utf8');
    expect(log).toMatch(/skipped the checkpoint at step 30, it does not verify: .*sha256/);
    expect(log).toMatch(/metrics.jsonl ended in a torn line .*: dropped/);
    expect(log).toMatch(/resume from step 20, the newest checkpoint that verifies/);
    const steps = metrics(dataDir, runId)
      .filter((r) => r.type === 'train')
      .map((r) => r.step);
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  }, 240_000);
});
