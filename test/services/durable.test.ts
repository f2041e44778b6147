/**
 * The order of the system calls behind durable writes. A kill cannot show a missing fsync (the OS
 * still holds the data) nor a plain overwrite that happened to finish, so the calls themselves are
 * observed: the real node:fs/promises functions run, wrapped to record what they did.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ensureSubdirDurable,
  parseSiblingName,
  writeDirDurable,
  writeFileDurable,
} from '../../src/services/store/durable';

let root: string;
let calls: string[];

/** A path as the log shows it: relative to the test folder, leftover siblings as `<tmp:base>`. */
function show(p: string): string {
  const relative = path.relative(root, p) || '.';
  return relative
    .split(path.sep)
    .map((part) => {
      const sibling = parseSiblingName(part);
      return sibling ? `<${sibling.kind}:${sibling.base}>` : part;
    })
    .join('/');
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mot-durable-'));
  calls = [];
  const open = fs.open.bind(fs);
  vi.spyOn(fs, 'open').mockImplementation(async (file, flags, mode) => {
    const handle = await open(file, flags, mode);
    const name = show(String(file));
    calls.push(`open ${name} ${flags ?? 'r'}`);
    const { writeFile, sync, close } = handle;
    handle.writeFile = async (...args: Parameters<typeof writeFile>) => {
      calls.push(`write ${name}`);
      return writeFile.apply(handle, args);
    };
    handle.sync = async () => {
      calls.push(`fsync ${name}`);
      return sync.apply(handle);
    };
    handle.close = async () => {
      calls.push(`close ${name}`);
      return close.apply(handle);
    };
    return handle;
  });
  const rename = fs.rename.bind(fs);
  vi.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
    calls.push(`rename ${show(String(from))} -> ${show(String(to))}`);
    return rename(from, to);
  });
  const mkdir = fs.mkdir.bind(fs);
  vi.spyOn(fs, 'mkdir').mockImplementation(async (dir, options) => {
    calls.push(`mkdir ${show(String(dir))}`);
    return mkdir(dir, options);
  });
  const rm = fs.rm.bind(fs);
  vi.spyOn(fs, 'rm').mockImplementation(async (target, options) => {
    calls.push(`rm ${show(String(target))}`);
    return rm(target, options);
  });
  for (const name of ['writeFile', 'appendFile', 'copyFile'] as const) {
    const real = fs[name].bind(fs) as (...args: unknown[]) => Promise<void>;
    vi.spyOn(fs, name).mockImplementation(async (...args: unknown[]) => {
      calls.push(`${name} ${show(String(args[0]))}`); // a write that bypasses the temp file
      return real(...args);
    });
  }
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.rm(root, { recursive: true, force: true });
});

describe('writeFileDurable', () => {
  it('writes a temp sibling, fsyncs it, renames it over the target, then fsyncs the folder', async () => {
    const target = path.join(root, 'run.json');
    await fs.writeFile(target, 'old');
    calls = [];
    await writeFileDurable(target, 'new');
    expect(calls).toEqual([
      'open <tmp:run.json> wx',
      'write <tmp:run.json>',
      'fsync <tmp:run.json>',
      'close <tmp:run.json>',
      'rename <tmp:run.json> -> run.json',
      'open . r',
      'fsync .',
      'close .',
    ]);
    expect(await fs.readFile(target, 'utf8')).toBe('new');
    expect(await fs.readdir(root)).toEqual(['run.json']);
  });

  it('a failed write leaves the old bytes, removes its temp file and renames nothing', async () => {
    const target = path.join(root, 'run.json');
    await fs.writeFile(target, 'old');
    calls = [];
    const bad = { length: 3 } as unknown as string; // writeFile rejects it
    await expect(writeFileDurable(target, bad)).rejects.toThrow();
    expect(calls.some((c) => c.startsWith('rename'))).toBe(false);
    expect(await fs.readFile(target, 'utf8')).toBe('old');
    expect(await fs.readdir(root)).toEqual(['run.json']);
  });
});

describe('writeDirDurable', () => {
  it('fsyncs every file and the temp folder before the rename, and the parent after it', async () => {
    const finalDir = path.join(root, 'step-1');
    await writeDirDurable(finalDir, { 'a.bin': new Uint8Array([1, 2]), 'b.json': '{}' });
    expect(calls).toEqual([
      'mkdir <tmp:step-1>',
      'open <tmp:step-1>/a.bin wx',
      'write <tmp:step-1>/a.bin',
      'fsync <tmp:step-1>/a.bin',
      'close <tmp:step-1>/a.bin',
      'open <tmp:step-1>/b.json wx',
      'write <tmp:step-1>/b.json',
      'fsync <tmp:step-1>/b.json',
      'close <tmp:step-1>/b.json',
      'open <tmp:step-1> r',
      'fsync <tmp:step-1>',
      'close <tmp:step-1>',
      'rename <tmp:step-1> -> step-1',
      'open . r',
      'fsync .',
      'close .',
    ]);
    expect((await fs.readdir(finalDir)).sort()).toEqual(['a.bin', 'b.json']);
  });

  it('replace: moves the old folder aside, renames the new one in, fsyncs the parent, then removes the old', async () => {
    const finalDir = path.join(root, 'step-1');
    await writeDirDurable(finalDir, { 'a.json': 'old' });
    calls = [];
    await writeDirDurable(finalDir, { 'a.json': 'new' }, { replace: true });
    expect(calls).toEqual([
      'mkdir <tmp:step-1>',
      'open <tmp:step-1>/a.json wx',
      'write <tmp:step-1>/a.json',
      'fsync <tmp:step-1>/a.json',
      'close <tmp:step-1>/a.json',
      'open <tmp:step-1> r',
      'fsync <tmp:step-1>',
      'close <tmp:step-1>',
      'rename step-1 -> <old:step-1>',
      'rename <tmp:step-1> -> step-1',
      'open . r',
      'fsync .',
      'close .',
      'rm <old:step-1>',
    ]);
    expect(await fs.readFile(path.join(finalDir, 'a.json'), 'utf8')).toBe('new');
    expect(await fs.readdir(root)).toEqual(['step-1']);
  });
});

describe('ensureSubdirDurable', () => {
  it('fsyncs the parent after creating the folder, and does nothing when it exists', async () => {
    const dir = path.join(root, 'snapshots');
    await ensureSubdirDurable(dir);
    expect(calls).toEqual(['mkdir snapshots', 'open . r', 'fsync .', 'close .']);
    calls = [];
    await ensureSubdirDurable(dir);
    expect(calls).toEqual(['mkdir snapshots']);
  });
});
