/**
 * The data-dir lock: one process at a time changes the catalog (and claims runs). It is a folder,
 * `catalog.lock/`, holding `holder.json` ({pid, host, token}); it comes into being by renaming a
 * complete temp folder into place, so the lock never exists without saying who holds it, and
 * rename(2) onto a non-empty folder fails, so two processes cannot both take it.
 *
 * A holder that died leaves the folder behind. It is stale when its pid is gone on this host, or
 * when `holder.json` was not touched for {@link LOCK_STALE_MS} (the holder touches it every few
 * seconds while it holds the lock: a holder on another host, or a pid reused by another program).
 * A stale lock is renamed away (only one contender wins the rename) and removed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StoreError, errnoCode } from './errors';
import { isProcessAlive } from './process-alive';

export const LOCK_DIR = 'catalog.lock';
const HOLDER_FILE = 'holder.json';
/** A lock untouched this long is stale even if a process with its pid exists. */
export const LOCK_STALE_MS = 60_000;
const TOUCH_MS = 5_000;
/** How long a writer waits for the lock before it gives up with a `conflict`. */
const WAIT_MS = 30_000;

interface Holder {
  pid: number;
  host: string;
  token: string;
}

export interface LockOptions {
  /** How long to wait for a live holder (default 30 s). */
  waitMs?: number;
}

/** Runs `task` while holding the data dir's lock; the lock is released however it ends. */
export async function withDataDirLock<T>(
  dataDir: string,
  task: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const lockDir = path.join(dataDir, LOCK_DIR);
  const token = await acquire(lockDir, options.waitMs ?? WAIT_MS);
  const touch = setInterval(() => {
    const now = new Date();
    fs.utimes(path.join(lockDir, HOLDER_FILE), now, now).catch(() => {});
  }, TOUCH_MS);
  touch.unref();
  try {
    return await task();
  } finally {
    clearInterval(touch);
    await release(lockDir, token);
  }
}

async function acquire(lockDir: string, waitMs: number): Promise<string> {
  const holder: Holder = {
    pid: process.pid,
    host: os.hostname(),
    token: randomBytes(8).toString('hex'),
  };
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt += 1) {
    if (await tryCreate(lockDir, holder)) return holder.token;
    const current = readHolder(lockDir);
    if (current === 'gone') continue;
    if (isStale(lockDir, current)) {
      await removeStale(lockDir, current);
      continue;
    }
    if (Date.now() > deadline) {
      const who =
        current === 'unreadable'
          ? 'a process that left no record'
          : `process ${current.pid} on ${current.host}`;
      throw new StoreError(
        'conflict',
        `the data dir ${path.dirname(lockDir)} is locked by ${who}; if it is not running, remove ${lockDir}`,
      );
    }
    // Catalog changes take milliseconds: poll quickly, backing off to 100 ms.
    await sleep(Math.min(100, 5 + attempt * 5) * (0.5 + Math.random()));
  }
}

/**
 * Renames a complete temp folder into place; false when someone else holds the lock. The lock's
 * calls are synchronous on purpose: they are a few metadata operations, and async ones queue in
 * libuv's thread pool behind the fsyncs of training runs' writes.
 */
async function tryCreate(lockDir: string, holder: Holder): Promise<boolean> {
  const temp = `${lockDir}.tmp-${randomBytes(4).toString('hex')}`;
  mkdirSync(temp);
  try {
    writeFileSync(path.join(temp, HOLDER_FILE), JSON.stringify(holder));
    renameSync(temp, lockDir);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') return false;
    throw error;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

type HolderRead = (Holder & { touchedMs: number }) | 'gone' | 'unreadable';

function readHolder(lockDir: string): HolderRead {
  const file = path.join(lockDir, HOLDER_FILE);
  try {
    const touchedMs = statSync(file).mtimeMs;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return 'unreadable';
    return { pid: parsed.pid, host: parsed.host, token: String(parsed.token), touchedMs };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      // Released between our attempt and this read, or a folder with no holder file at all.
      try {
        statSync(lockDir);
      } catch {
        return 'gone';
      }
    }
    return 'unreadable';
  }
}

function isStale(lockDir: string, holder: Exclude<HolderRead, 'gone'>): boolean {
  if (holder === 'unreadable') {
    // Never made by tryCreate (which renames a complete folder): junk, once it has aged a little.
    try {
      return Date.now() - statSync(lockDir).mtimeMs > TOUCH_MS;
    } catch {
      return false;
    }
  }
  if (Date.now() - holder.touchedMs > LOCK_STALE_MS) return true;
  return holder.host === os.hostname() && !isProcessAlive(holder.pid);
}

/** Renames the stale lock away (one contender wins), after checking it is still the one judged. */
async function removeStale(lockDir: string, judged: Exclude<HolderRead, 'gone'>): Promise<void> {
  const now = readHolder(lockDir);
  const same =
    judged === 'unreadable'
      ? now === 'unreadable'
      : now !== 'gone' && now !== 'unreadable' && now.token === judged.token;
  if (!same) return;
  const aside = `${lockDir}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(lockDir, aside);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw error;
  }
  await fs.rm(aside, { recursive: true, force: true });
}

async function release(lockDir: string, token: string): Promise<void> {
  const holder = readHolder(lockDir);
  if (holder === 'gone' || holder === 'unreadable' || holder.token !== token) return;
  const aside = `${lockDir}.done-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lockDir, aside);
  } catch {
    return;
  }
  rmSync(aside, { recursive: true, force: true });
}

/** Temp and set-aside lock folders a crash left behind (names beside `catalog.lock`). */
export async function removeLockLeftovers(dataDir: string): Promise<void> {
  const names = await fs.readdir(dataDir).catch(() => [] as string[]);
  for (const name of names) {
    if (!/^catalog\.lock\.(tmp|stale|done)-[0-9a-f]{8}$/.test(name)) continue;
    const full = path.join(dataDir, name);
    const age = await fs.stat(full).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > LOCK_STALE_MS) await fs.rm(full, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
