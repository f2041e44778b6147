import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appDataDir, dataDirFlag } from '../../src/main/data-dir';
import { defaultDataDir, resolveDataDir } from '../../src/services/store/paths';

describe('the desktop app data dir', () => {
  const electronArgv = ['/opt/electron', '/app/out/main/index.js'];

  it('honours MOT_DATA_DIR like the CLI', () => {
    const env = { MOT_DATA_DIR: '/runs/shared', XDG_CONFIG_HOME: '/xdg' };
    expect(appDataDir(electronArgv, env)).toBe(path.resolve('/runs/shared'));
    expect(appDataDir(electronArgv, env)).toBe(resolveDataDir(undefined, env));
  });

  it('takes --data-dir over MOT_DATA_DIR', () => {
    const env = { MOT_DATA_DIR: '/env' };
    expect(appDataDir([...electronArgv, '--data-dir', '/flag'], env)).toBe(path.resolve('/flag'));
    expect(appDataDir([...electronArgv, '--data-dir=/flag2'], env)).toBe(path.resolve('/flag2'));
  });

  it('falls back to the userData folder the CLI also defaults to', () => {
    const env = { XDG_CONFIG_HOME: '/xdg' };
    expect(appDataDir(electronArgv, env)).toBe(defaultDataDir(env));
    expect(appDataDir(electronArgv, { MOT_DATA_DIR: '  ' })).toBe(defaultDataDir({}));
  });

  it('reads the flag in both spellings only', () => {
    expect(dataDirFlag(['--data-dir', 'a'])).toBe('a');
    expect(dataDirFlag(['--data-dir=b'])).toBe('b');
    expect(dataDirFlag(['--data-directory=c'])).toBeUndefined();
  });
});
