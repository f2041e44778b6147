/**
 * What browser mode says instead of opening a file dialog on the server: the `npx mot` command
 * that does it in a terminal there. It names the served data dir, since a terminal without
 * `--data-dir` (or the same MOT_DATA_DIR) would write to another one.
 */
export function cliCommand(command: string, dataDir: string): string {
  return `npx mot ${command} --data-dir ${shellWord(dataDir)}`;
}

/** `dataDir` as one shell word: as it is when it is plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
