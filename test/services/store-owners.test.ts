/**
 * Telling a live owner from a dead one, in one process: a dead pid or a stale heartbeat is dead,
 * a fresh heartbeat from another host is alive; claims are exclusive and released; a claim taken
 * over by another process is noticed at the next heartbeat.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../src/services/store';
import { HEARTBEAT_MS, OWNER_STALE_MS } from '../../src/services/store/ownership';

const freshStore = () => RunStore.open(join(mkdtempSync(join(tmpdir(), 'mot-owners-')), 'data'));

async function runOwnedBy(store: RunStore, owner: object, ageMs = 0): Promise<string> {
  const run = await store.create({ name: 'r', config: {}, ffnSummary: 'dense' });
  await store.update(run.id, { status: 'running' });
  const file = join(store.runDir(run.id), 'owner.json');
  writeFileSync(file, JSON.stringify({ role: 'mot train', claimedAt: 'then', ...owner }));
  const at = new Date(Date.now() - ageMs);
  utimesSync(file, at, at);
  return run.id;
}

describe('run owners', () => {
  it('a dead pid or a stale heartbeat is dead; a fresh one from another host is alive', async () => {
    const store = await freshStore();
    const host = (await import('node:os')).hostname();
    const deadPid = await runOwnedBy(store, { pid: 2 ** 22 + 12345, host, instance: 'x' });
    const stale = await runOwnedBy(
      store,
      { pid: process.pid, host, instance: 'y' },
      OWNER_STALE_MS + 1000,
    );
    const elsewhere = await runOwnedBy(store, { pid: 1, host: `not-${host}`, instance: 'z' });
    const alive = await runOwnedBy(store, { pid: process.ppid, host, instance: 'w' });
    expect((await store.markInterrupted()).sort()).toEqual([deadPid, stale].sort());
    expect(store.get(elsewhere).status).toBe('running');
    expect(store.get(alive).status).toBe('running');
    await expect(store.owners.claim(alive, 'test')).rejects.toThrow(
      new RegExp(`run ${alive} is being trained by process ${process.ppid} \\(mot train\\)`),
    );
    await store.owners.claim(deadPid, 'test');
    expect(store.owners.liveOwner(deadPid)).toMatchObject({ pid: process.pid, role: 'test' });
    await store.owners.release(deadPid);
    expect(store.owners.liveOwner(deadPid)).toBeUndefined();
  });

  it('a claim another process took over is noticed at the next heartbeat', async () => {
    const store = await freshStore();
    const run = await store.create({ name: 'r', config: {}, ffnSummary: 'dense' });
    let lost = false;
    await store.owners.claim(run.id, 'test', () => (lost = true));
    const file = join(store.runDir(run.id), 'owner.json');
    writeFileSync(
      file,
      JSON.stringify({
        pid: process.ppid,
        host: 'h',
        instance: 'other',
        role: 'x',
        claimedAt: 'now',
      }),
    );
    await expect.poll(() => lost, { timeout: HEARTBEAT_MS * 3 }).toBe(true);
  }, 30_000);
});
