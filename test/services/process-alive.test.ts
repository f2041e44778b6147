import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/services/store/process-alive';

describe('isProcessAlive', () => {
  it('is true for this process and false for a pid that is gone', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    expect(isProcessAlive(child.pid!)).toBe(false);
    expect(isProcessAlive(0)).toBe(false);
  });

  it.skipIf(process.platform !== 'linux')(
    'counts an exited process nobody reaped (a zombie) as dead',
    async () => {
      // sh starts `sleep 0`, then becomes `sleep 2`, which never waits for it: a zombie.
      const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 2']);
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombie = Number(String(line).trim());
      await new Promise((resolve) => setTimeout(resolve, 300));
      let signalled = true;
      try {
        process.kill(zombie, 0);
      } catch {
        signalled = false;
      }
      expect(signalled, 'the zombie still answers signal 0').toBe(true);
      expect(isProcessAlive(zombie)).toBe(false);
      parent.kill();
    },
  );
});
