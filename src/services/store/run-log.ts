/**
 * Reading a run's log.txt back: its last lines. A log is small (a line per start, resume, stop,
 * failure), but a run resumed many times could grow one without bound, so only the file's last
 * {@link LOG_READ_BYTES} are read; `totalLines` then counts what was read, not the whole file.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { errnoCode } from './errors';

export const LOG_READ_BYTES = 1 << 20;

export interface LogTail {
  lines: string[];
  /** Lines in the part of the file that was read (the whole file unless it is over 1 MiB). */
  totalLines: number;
}

/** The last `tail` lines of a log file; a missing file is an empty log (a run that never started). */
export function readLogTail(file: string, tail: number): LogTail {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { lines: [], totalLines: 0 };
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, LOG_READ_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    let lines = buffer.toString('utf8').split('\n');
    // A cut at the start of the window leaves a partial first line: drop it.
    if (length < size) lines = lines.slice(1);
    if (lines.at(-1) === '') lines.pop();
    return { lines: lines.slice(-tail), totalLines: lines.length };
  } finally {
    closeSync(fd);
  }
}
