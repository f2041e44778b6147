/**
 * Where the desktop app keeps its runs: the same rule as the CLI and `mot serve`
 * (src/services/store/paths.ts): `--data-dir DIR` on the app's command line, else the
 * `MOT_DATA_DIR` environment variable, else Electron's userData folder for "MoT Workbench".
 * A run the CLI makes with `MOT_DATA_DIR` set appears in an app started with the same setting.
 *
 * No `electron` here (tested in test/main/data-dir.test.ts).
 */
import { resolveDataDir } from '../services/store/paths';

/** `--data-dir DIR` or `--data-dir=DIR` among the app's arguments, if given. */
export function dataDirFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--data-dir') return argv[i + 1];
    if (arg.startsWith('--data-dir=')) return arg.slice('--data-dir='.length);
  }
  return undefined;
}

/** The desktop app's data dir, by the rule every shell shares. */
export function appDataDir(
  argv: readonly string[] = process.argv,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return resolveDataDir(dataDirFlag(argv), env);
}
