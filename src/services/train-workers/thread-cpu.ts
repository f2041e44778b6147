/**
 * CPU time of the calling thread alone (user + system), for the benchmark's view of a
 * data-parallel step on a shared machine: the busiest thread's CPU per step is what the step
 * would take if every thread had a core to itself. Linux only (/proc/thread-self/stat, in clock
 * ticks of 10 ms: read it over many steps); null elsewhere.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime and stime, 100 on every Linux that Node supports. */
const TICKS_PER_SECOND = 100;

export function threadCpuMs(): number | null {
  let stat: string;
  try {
    stat = readFileSync('/proc/thread-self/stat', 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces), from field 3 on: utime is the 14th
  // field of the line, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
}
