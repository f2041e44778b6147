/**
 * Who trains a run: `runs/<id>/owner.json` names the process that claimed it (pid, host, an
 * instance id unique to that process, what it is, and the pid of its training child once there
 * is one). The file's mtime is the heartbeat: the owning process touches it every
 * {@link HEARTBEAT_MS} while it holds the run.
 *
 * Any process can tell a live owner from a dead one: live means the heartbeat is fresh and, on
 * this host, the owner's pid (or its trainer's) still runs. A SIGKILLed `mot train` is dead at
 * once (its pid is gone); a hung or far-away owner once its heartbeat is {@link OWNER_STALE_MS} old.
 * Claims and releases happen under the data-dir lock, so two processes never both win one run.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as v from 'valibot';
import { errnoCode } from './errors';
import { writeFileDurable } from './durable';
import { isProcessAlive } from './process-alive';
import { OWNER_FILE } from './run-folders';

export { OWNER_FILE };
export const HEARTBEAT_MS = 5_000;
/** An owner whose heartbeat is older than this is dead, whatever its pid says. */
export const OWNER_STALE_MS = 60_000;

/** This process, as an owner: the instance id separates it from a later process with its pid. */
export const THIS_PROCESS = { pid: process.pid, host: os.hostname(), instance: randomUUID() };

const OwnerSchema = v.object({
  pid: v.pipe(v.number(), v.integer()),
  host: v.string(),
  instance: v.string(),
  /** What the owner is, for messages: `mot train`, `mot serve`, `the app`. */
  role: v.string(),
  claimedAt: v.string(),
  trainerPid: v.optional(v.pipe(v.number(), v.integer())),
});
export type OwnerRecord = v.InferOutput<typeof OwnerSchema>;

export interface Owner extends OwnerRecord {
  heartbeatMs: number;
}

/** The run's owner record, or undefined when none (or an unreadable one, which claims nothing). */
export function readOwner(runDir: string): Owner | undefined {
  const file = path.join(runDir, OWNER_FILE);
  try {
    const heartbeatMs = statSync(file).mtimeMs;
    const parsed = v.safeParse(OwnerSchema, JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? { ...parsed.output, heartbeatMs } : undefined;
  } catch {
    return undefined;
  }
}

export function isOwnerAlive(owner: Owner, now: number = Date.now()): boolean {
  if (now - owner.heartbeatMs > OWNER_STALE_MS) return false;
  if (owner.host !== os.hostname()) return true;
  return (
    isProcessAlive(owner.pid) ||
    (owner.trainerPid !== undefined && isProcessAlive(owner.trainerPid))
  );
}

export function isThisProcess(owner: OwnerRecord): boolean {
  return owner.instance === THIS_PROCESS.instance;
}

/** "process 1234 (mot train) on host-a since 2026-...": for refusals. */
export function describeOwner(owner: OwnerRecord): string {
  return `process ${owner.pid} (${owner.role}) on ${owner.host} since ${owner.claimedAt}`;
}

export async function writeOwner(runDir: string, record: OwnerRecord): Promise<void> {
  await writeFileDurable(path.join(runDir, OWNER_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

export async function removeOwner(runDir: string): Promise<void> {
  await fs.rm(path.join(runDir, OWNER_FILE), { force: true });
}

/**
 * The runs this process owns, kept alive by one timer: each tick touches their owner files. A
 * file that is gone or names another instance means the run was taken from us (we were judged
 * dead): `onLost` is told, so the trainer stops instead of training a run it no longer owns.
 */
export class Heartbeats {
  private readonly owned = new Map<string, { runDir: string; onLost?: () => void }>();
  private timer: ReturnType<typeof setInterval> | undefined;

  add(runId: string, runDir: string, onLost?: () => void): void {
    this.owned.set(runId, { runDir, onLost });
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
      this.timer.unref();
    }
  }

  /** Sets (or replaces) what to do when the run is taken from us. */
  onLost(runId: string, listener: () => void): void {
    const entry = this.owned.get(runId);
    if (entry) entry.onLost = listener;
  }

  delete(runId: string): void {
    this.owned.delete(runId);
    if (this.owned.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  has(runId: string): boolean {
    return this.owned.has(runId);
  }

  private async beat(): Promise<void> {
    const now = new Date();
    for (const [runId, entry] of [...this.owned]) {
      // Released while this beat awaited an earlier run: not ours to judge any more.
      if (this.owned.get(runId) !== entry) continue;
      const { runDir, onLost } = entry;
      const owner = readOwner(runDir);
      if (owner === undefined || !isThisProcess(owner)) {
        this.delete(runId);
        onLost?.();
        continue;
      }
      await fs.utimes(path.join(runDir, OWNER_FILE), now, now).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw error;
      });
    }
  }
}
