/**
 * Claims between two stores of one data dir in one process, as between two processes: a claim is
 * exclusive, only its own store releases it or names its trainer, a second claim by the owner is
 * a no-op, and an unknown run cannot be claimed.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../src/services/store';

const ownerFile = (store: RunStore, runId: string) => join(store.runDir(runId), 'owner.json');
const ownerOf = (store: RunStore, runId: string) =>
  JSON.parse(readFileSync(ownerFile(store, runId), 'utf8')) as Record<string, unknown>;

describe('run claims', () => {
  it('belong to the store that made them: the other store is refused and cannot release them', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'mot-claims-')), 'data');
    const mine = await RunStore.open(dataDir);
    const other = await RunStore.open(dataDir);
    const run = await mine.create({ name: 'r', config: {}, ffnSummary: 'dense' });

    await mine.owners.claim(run.id, 'the app');
    const claimed = ownerOf(mine, run.id);
    await mine.owners.claim(run.id, 'again'); // already ours: unchanged
    expect(ownerOf(mine, run.id)).toEqual(claimed);

    await expect(other.owners.claim(run.id, 'mot train')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(
        new RegExp(`run ${run.id} is being trained by process ${process.pid} \\(the app\\)`),
      ),
    });
    expect(other.owners.liveOwner(run.id)).toMatchObject({ role: 'the app' });

    // Neither releasing nor naming a trainer from the other store touches the claim.
    await other.owners.release(run.id);
    await other.owners.setTrainer(run.id, 4242);
    expect(ownerOf(mine, run.id)).toEqual(claimed);

    await mine.owners.setTrainer(run.id, 4242);
    expect(ownerOf(mine, run.id)).toMatchObject({ ...claimed, trainerPid: 4242 });
    await mine.owners.release(run.id);
    expect(existsSync(ownerFile(mine, run.id))).toBe(false);
    expect(mine.owners.liveOwner(run.id)).toBeUndefined();

    // Free again: the other store may claim it now, and naming a trainer needs a claim.
    await mine.owners.setTrainer(run.id, 1);
    expect(existsSync(ownerFile(mine, run.id))).toBe(false);
    await other.owners.claim(run.id, 'mot train');
    expect(mine.owners.liveOwner(run.id)).toMatchObject({ role: 'mot train' });
    await other.owners.release(run.id);
  });

  it('an unknown run is not_found, and nothing is written', async () => {
    const store = await RunStore.open(join(mkdtempSync(join(tmpdir(), 'mot-claims-')), 'data'));
    const unknown = '20200101-000000-beef';
    await expect(store.owners.claim(unknown, 'test')).rejects.toMatchObject({
      code: 'not_found',
      message: `no run ${unknown}`,
    });
    expect(existsSync(store.runDir(unknown))).toBe(false);
  });
});
