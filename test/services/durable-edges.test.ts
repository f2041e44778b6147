/**
 * The edges of the durable writes: what counts as a leftover sibling, a folder that is never
 * overwritten unless asked (an empty one included), a replace that leaves no `.old-` behind, file
 * names that could leave the folder, a failed write that reports its own error, and the helpers'
 * answers for missing and unreadable paths.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ensureSubdirDurable,
  listNames,
  parseSiblingName,
  pathExists,
  siblingName,
  writeDirDurable,
  writeFileDurable,
} from '../../src/services/store/durable';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'mot-durable-edges-'));

describe('durable writes at their edges', () => {
  it('reads back only the sibling names it makes', () => {
    const name = siblingName('step-00000010', 'tmp');
    expect(parseSiblingName(name)).toEqual({ base: 'step-00000010', kind: 'tmp' });
    expect(parseSiblingName('.run.old-0123abcd')).toEqual({ base: 'run', kind: 'old' });
    for (const other of [
      'run.tmp-0123abcd', // no leading dot
      '.run.tmp-0123abcd9', // a longer suffix
      'x.run.tmp-0123abcd',
      '.run.bak-0123abcd',
      '.run.tmp-0123ABCD',
      '.run.tmp-0123abc',
    ])
      expect(parseSiblingName(other), other).toBeUndefined();
  });

  it('never overwrites a folder unless asked, not even an empty one, and leaves no temp', async () => {
    const root = fresh();
    const full = path.join(root, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'a'), 'old');
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    for (const dir of [full, empty]) {
      await expect(writeDirDurable(dir, { a: 'new' })).rejects.toMatchObject({
        code: 'conflict',
        message: `refusing to overwrite existing folder ${dir}`,
      });
    }
    expect(readFileSync(path.join(full, 'a'), 'utf8')).toBe('old');
    expect(readdirSync(empty)).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(['empty', 'full']);
  });

  it('replaces a folder whole, or creates it, leaving no sibling behind', async () => {
    const root = fresh();
    const dir = path.join(root, 'run');
    await writeDirDurable(dir, { a: 'one', b: 'two' }, { replace: true }); // nothing to replace
    await writeDirDurable(dir, { a: 'three' }, { replace: true });
    expect(readdirSync(dir)).toEqual(['a']);
    expect(readFileSync(path.join(dir, 'a'), 'utf8')).toBe('three');
    expect(readdirSync(root)).toEqual(['run']);
  });

  it('refuses file names that are not plain names, writing nothing', async () => {
    const root = fresh();
    for (const name of ['', '.', '..', 'a/b', 'a\\b', 'a\0b']) {
      await expect(
        writeDirDurable(path.join(root, 'run'), { [name]: 'x' }),
        name,
      ).rejects.toMatchObject({
        code: 'invalid',
        message: `not a plain file name: ${JSON.stringify(name)}`,
      });
    }
    expect(readdirSync(root)).toEqual([]);
  });

  it('a write that fails reports its own error, not the clean-up of a temp never made', async () => {
    const missing = path.join(fresh(), 'no-such-folder', 'file.json');
    await expect(writeFileDurable(missing, '{}')).rejects.toMatchObject({
      code: 'ENOENT',
      syscall: 'open',
    });
  });

  it('answers for missing, dangling and unreadable paths', async () => {
    const root = fresh();
    const file = path.join(root, 'file');
    writeFileSync(file, 'x');
    symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
    expect(await pathExists(file)).toBe(true);
    expect(await pathExists(path.join(root, 'dangling'))).toBe(true);
    expect(await pathExists(path.join(root, 'missing'))).toBe(false);
    await expect(pathExists(path.join(file, 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });

    expect(listNames(path.join(root, 'missing'))).toEqual([]);
    expect(() => listNames(file)).toThrow(
      expect.objectContaining({ code: 'io', message: `cannot list ${file}` }),
    );

    const sub = path.join(root, 'sub');
    await ensureSubdirDurable(sub);
    await ensureSubdirDurable(sub); // already there: fine
    expect(readdirSync(sub)).toEqual([]);
    // Never its parents: a write racing a delete cannot bring a removed folder back.
    await expect(ensureSubdirDurable(path.join(root, 'gone', 'sub'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
