/**
 * Crash-safe writes. A reader must see either the old bytes or the new ones, never a mix, and
 * a write that returned must survive power loss: so write a temp sibling, fsync it, rename it
 * over the target (atomic within one folder), then fsync the folder so the rename itself is on
 * disk. Temp siblings start with a dot, which every listing in the store ignores.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StoreError, errnoCode } from './errors';

/** Some platforms (Windows, some network file systems) refuse to open or fsync a folder. */
const FOLDER_FSYNC_REFUSALS = new Set(['EINVAL', 'EPERM', 'EISDIR']);

/** What a leftover sibling was for: `tmp` is a write in progress, `old` a replaced folder. */
export type LeftoverKind = 'tmp' | 'old';

/** `.<base>.<kind>-<hex>`: same folder as the target, so the final rename is atomic. */
export function siblingName(base: string, kind: LeftoverKind): string {
  return `.${base}.${kind}-${randomBytes(4).toString('hex')}`;
}

/** Reads a {@link siblingName} back: which target it belonged to and why it exists. */
export function parseSiblingName(name: string): { base: string; kind: LeftoverKind } | undefined {
  const match = /^\.(.+)\.(tmp|old)-[0-9a-f]{8}$/.exec(name);
  if (match === null) return undefined;
  return { base: match[1] as string, kind: match[2] as LeftoverKind };
}

/** fsync a folder so renames and new entries in it are durable; a no-op where refused. */
export async function fsyncDir(dirPath: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dirPath, 'r');
    await handle.sync();
  } catch (error) {
    if (!FOLDER_FSYNC_REFUSALS.has(errnoCode(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

/** Replaces `target` with `data` atomically and durably (see the module comment). */
export async function writeFileDurable(target: string, data: string | Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(target), siblingName(path.basename(target), 'tmp'));
  try {
    await writeNewFileSynced(temp, data);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(path.dirname(target));
}

export interface WriteDirOptions {
  /**
   * Replace an existing `finalDir`: the complete new folder is renamed in, the old one is first
   * moved to a `.old-` sibling and removed afterwards. Without it an existing folder is a
   * `conflict`.
   */
  replace?: boolean;
}

/**
 * Creates `finalDir` holding exactly `files`, all or nothing: every file is written and fsynced
 * in a temp sibling folder, which is then renamed into place, so a crash leaves either no
 * folder or a complete one (plus a dotted leftover to ignore).
 */
export async function writeDirDurable(
  finalDir: string,
  files: Record<string, string | Uint8Array>,
  options: WriteDirOptions = {},
): Promise<void> {
  const parent = path.dirname(finalDir);
  const base = path.basename(finalDir);
  for (const name of Object.keys(files)) assertPlainFileName(name);
  const temp = path.join(parent, siblingName(base, 'tmp'));
  await fs.mkdir(temp);
  try {
    for (const [name, data] of Object.entries(files)) {
      await writeNewFileSynced(path.join(temp, name), data);
    }
    await fsyncDir(temp);
    if (options.replace === true) {
      await swapIn(temp, finalDir);
      return;
    }
    await renameIntoEmptySlot(temp, finalDir);
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
  await fsyncDir(parent);
}

/** rename(2) silently replaces an empty folder, so check first; a non-empty one fails anyway. */
async function renameIntoEmptySlot(temp: string, finalDir: string): Promise<void> {
  const conflict = () =>
    new StoreError('conflict', `refusing to overwrite existing folder ${finalDir}`);
  if (await pathExists(finalDir)) throw conflict();
  try {
    await fs.rename(temp, finalDir);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw conflict();
    throw error;
  }
}

/**
 * Moves the old folder aside, renames the new one in, then deletes the old. Between the two
 * renames only the `.old-` sibling exists; readers that must never miss a step fall back to it.
 */
async function swapIn(temp: string, finalDir: string): Promise<void> {
  const parent = path.dirname(finalDir);
  const aside = path.join(parent, siblingName(path.basename(finalDir), 'old'));
  let movedAside = true;
  try {
    await fs.rename(finalDir, aside);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    movedAside = false;
  }
  try {
    await fs.rename(temp, finalDir);
  } catch (error) {
    if (movedAside) await fs.rename(aside, finalDir);
    throw error;
  }
  await fsyncDir(parent);
  if (movedAside) await fs.rm(aside, { recursive: true, force: true });
}

async function writeNewFileSynced(filePath: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(filePath, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function assertPlainFileName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new StoreError('invalid', `not a plain file name: ${JSON.stringify(name)}`);
  }
}

/** True when something exists at `target` (a dangling link counts). */
export async function pathExists(target: string): Promise<boolean> {
  try {
    await fs.lstat(target);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Creates one folder inside an existing one (never its parents, so a write racing a delete
 * cannot resurrect a removed run folder) and fsyncs the parent when it is new, so the folder
 * survives power loss together with the durable files later written into it.
 */
export async function ensureSubdirDurable(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return;
    throw error;
  }
  await fsyncDir(path.dirname(dir));
}

/** Entry names in `dir`, or none when it does not exist yet. */
export function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw new StoreError('io', `cannot list ${dir}`, { cause: error });
  }
}
