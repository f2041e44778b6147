/**
 * Whether a process with this pid is alive on this machine. Signal 0 checks without sending
 * anything; EPERM means it exists but belongs to another user. On Linux a zombie (exited, not
 * yet reaped: an orphan whose new parent, often a container's pid 1, never reaps) still answers
 * signal 0, so its state in /proc decides.
 */
import { readFileSync } from 'node:fs';
import { errnoCode } from './errors';

export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errnoCode(error) !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may itself hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
