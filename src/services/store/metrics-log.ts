/**
 * An append-only JSON-lines log (one record per line), used for training metrics. Appends
 * never rewrite earlier bytes, so a crash can only damage the line being written: readers skip
 * that torn tail instead of failing, and count any other bad line rather than throw, so one
 * damaged record never hides a run's history.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StoreError, errnoCode } from './errors';
import { fsyncDir } from './durable';

const NEWLINE = 0x0a;

export interface AppendOptions {
  /** fsync after the write: survives power loss, at a cost per call. A killed process loses nothing either way. */
  fsync?: boolean;
}

export interface JsonLinesRead<T> {
  records: T[];
  /** Complete lines that did not parse (damage in the middle of the file). */
  skipped: number;
  /** The file ended in an unterminated line that did not parse: a write cut short by a crash. */
  tornTail: boolean;
}

/**
 * Appends `records`, one JSON line each, with a single write. If the file ends in a torn line
 * from an earlier crash, a newline is written first so the new records stay parseable.
 */
export async function appendJsonLines(
  filePath: string,
  records: readonly object[],
  options: AppendOptions = {},
): Promise<void> {
  if (records.length === 0) return;
  const body = records.map(toJsonLine).join('');
  const handle = await fs.open(filePath, 'a+');
  let created: boolean;
  try {
    const { size } = await handle.stat();
    created = size === 0;
    const prefix = !created && !(await endsWithNewline(handle, size)) ? '\n' : '';
    const bytes = Buffer.from(prefix + body, 'utf8');
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
    if (options.fsync === true) await handle.sync();
  } finally {
    await handle.close();
  }
  if (options.fsync === true && created) await fsyncDir(path.dirname(filePath));
}

/**
 * Reads every record that parses (and passes `filter`). A missing file reads as empty: a run
 * that has not logged yet is not an error.
 */
export function readJsonLines<T>(
  filePath: string,
  filter?: (record: T) => boolean,
): JsonLinesRead<T> {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { records: [], skipped: 0, tornTail: false };
    throw new StoreError('io', `cannot read ${filePath}`, { cause: error });
  }
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const result: JsonLinesRead<T> = { records: [], skipped: 0, tornTail: false };
  const keep = (record: T) => {
    if (filter === undefined || filter(record)) result.records.push(record);
  };
  for (const line of lines) {
    if (line.trim() === '') continue;
    const parsed = tryParse<T>(line);
    if (parsed.ok) keep(parsed.value);
    else result.skipped += 1;
  }
  if (tail.trim() !== '') {
    const parsed = tryParse<T>(tail);
    if (parsed.ok) keep(parsed.value);
    else result.tornTail = true;
  }
  return result;
}

/**
 * Reads one JSON-lines file as it grows: each read parses only the bytes appended since the last
 * one, up to the last newline. An unterminated last line is parsed but not consumed (it is
 * re-read once its write completes; if it never parses it is reported as `tornTail`). A file that
 * was replaced (another inode, as truncateMetrics' rewrite makes), shrank, or no longer has a
 * newline where the last read ended is read again from the start.
 */
export class JsonLinesFollower<T> {
  private inode = -1;
  /** Bytes consumed: always just after a newline, or 0. */
  private offset = 0;
  private records: T[] = [];
  private skipped = 0;

  constructor(private readonly filePath: string) {}

  read(): JsonLinesRead<T> {
    let fd: number;
    try {
      fd = openSync(this.filePath, 'r');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        this.reset(-1);
        return { records: [], skipped: 0, tornTail: false };
      }
      throw new StoreError('io', `cannot read ${this.filePath}`, { cause: error });
    }
    try {
      const { ino, size } = fstatSync(fd);
      if (ino !== this.inode || size < this.offset || !this.stillEndsLine(fd)) this.reset(ino);
      const fresh = Buffer.alloc(size - this.offset);
      let got = 0;
      while (got < fresh.length) {
        const n = readSync(fd, fresh, got, fresh.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      return this.consume(fresh.subarray(0, got));
    } catch (error) {
      throw new StoreError('io', `cannot read ${this.filePath}`, { cause: error });
    } finally {
      closeSync(fd);
    }
  }

  private stillEndsLine(fd: number): boolean {
    if (this.offset === 0) return true;
    const last = Buffer.alloc(1);
    return readSync(fd, last, 0, 1, this.offset - 1) === 1 && last[0] === NEWLINE;
  }

  private reset(inode: number): void {
    this.inode = inode;
    this.offset = 0;
    this.records = [];
    this.skipped = 0;
  }

  /** Parses the complete lines of `fresh` into the cache; the unterminated rest only into the answer. */
  private consume(fresh: Buffer): JsonLinesRead<T> {
    const end = fresh.lastIndexOf(NEWLINE) + 1;
    // A newline byte never occurs inside a UTF-8 sequence, so the complete part decodes whole.
    for (const line of fresh.subarray(0, end).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      const parsed = tryParse<T>(line);
      if (parsed.ok) this.records.push(parsed.value);
      else this.skipped += 1;
    }
    this.offset += end;
    const tail = fresh.subarray(end).toString('utf8');
    const result = { records: this.records, skipped: this.skipped, tornTail: false };
    if (tail.trim() === '') return { ...result, records: [...this.records] };
    const parsed = tryParse<T>(tail);
    if (!parsed.ok) return { ...result, records: [...this.records], tornTail: true };
    return { ...result, records: [...this.records, parsed.value] };
  }
}

/** Followers by file, the `limit` most recently read kept (each holds its file's records). */
export class JsonLinesFollowers<T> {
  private readonly followers = new Map<string, JsonLinesFollower<T>>();

  constructor(private readonly limit = 32) {}

  read(filePath: string): JsonLinesRead<T> {
    const follower = this.followers.get(filePath) ?? new JsonLinesFollower<T>(filePath);
    this.followers.delete(filePath);
    this.followers.set(filePath, follower);
    if (this.followers.size > this.limit)
      this.followers.delete(this.followers.keys().next().value as string);
    return follower.read();
  }
}

function toJsonLine(record: object): string {
  const line: unknown = JSON.stringify(record);
  if (typeof line !== 'string')
    throw new StoreError('invalid', 'a log record must serialise to JSON');
  return `${line}\n`;
}

async function endsWithNewline(handle: fs.FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === NEWLINE;
}

function tryParse<T>(line: string): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(line) as T };
  } catch {
    return { ok: false };
  }
}
