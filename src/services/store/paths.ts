/**
 * Where the store lives. The app, the CLI and the server must agree on one folder so a run
 * started from the CLI shows up in the app; that folder is Electron's `userData` for our app
 * name, computed here without Electron so the CLI and server (plain Node) find it too.
 */
import os from 'node:os';
import path from 'node:path';

/** Electron derives `userData` from the app name; keep in step with `productName`. */
export const APP_NAME = 'MoT Workbench';

/** The environment variable that overrides the data folder for every shell. */
export const DATA_DIR_ENV = 'MOT_DATA_DIR';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Electron's `app.getPath('userData')` for {@link APP_NAME}: `appData` (XDG config on Linux,
 * Application Support on macOS, `%APPDATA%` on Windows) joined with the app name. The
 * parameters exist for tests; callers pass nothing.
 */
export function defaultDataDir(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (platform === 'win32') {
    const appData = nonEmpty(env['APPDATA']) ?? path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, APP_NAME);
  }
  if (platform === 'darwin') {
    return path.posix.join(home, 'Library', 'Application Support', APP_NAME);
  }
  const configHome = nonEmpty(env['XDG_CONFIG_HOME']) ?? path.posix.join(home, '.config');
  return path.posix.join(configHome, APP_NAME);
}

/**
 * The data folder to use: an explicit `--data-dir` flag wins, then `MOT_DATA_DIR`, then
 * {@link defaultDataDir}. Relative values are resolved against the working directory so every
 * later join is absolute.
 */
export function resolveDataDir(flag?: string, env: Env = process.env): string {
  const chosen = nonEmpty(flag) ?? nonEmpty(env[DATA_DIR_ENV]);
  return chosen !== undefined ? path.resolve(chosen) : defaultDataDir(env);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}
