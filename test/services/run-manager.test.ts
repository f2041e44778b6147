/**
 * The run manager's bookkeeping, with fake training processes: queueing and concurrency, commands
 * sent before a child is ready, patches written in order, and what a silent exit or a stuck
 * process turns into. (Real processes are exercised by the contract and crash tests.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Events } from '../../src/core/api/contract';
import { EventHub } from '../../src/services/events';
import {
  RunManager,
  type ChildMessage,
  type ParentMessage,
  type TrainerChannel,
  type TrainerExit,
} from '../../src/services/run-manager';
import { RunStore } from '../../src/services/store';

class FakeChannel implements TrainerChannel {
  readonly sent: ParentMessage['type'][] = [];
  killedWith: string | undefined;
  private messageListener: (message: ChildMessage) => void = () => {};
  private exitListener: (exit: TrainerExit) => void = () => {};

  send(message: ParentMessage): void {
    this.sent.push(message.type);
  }
  onMessage(listener: (message: ChildMessage) => void): void {
    this.messageListener = listener;
  }
  onExit(listener: (exit: TrainerExit) => void): void {
    this.exitListener = listener;
  }
  kill(signal = 'SIGKILL'): void {
    this.killedWith = signal;
    this.exit({ code: null, signal });
  }
  /** The child says something. */
  say(message: ChildMessage): void {
    this.messageListener(message);
  }
  exit(exit: TrainerExit): void {
    this.exitListener(exit);
  }
}

const summary = {
  step: 5,
  tokens: 10,
  elapsedMs: 1,
  finalTrainLoss: 1,
  lastValidationLoss: null,
  bestValidationLoss: null,
  completed: true,
};

let store: RunStore;
let channels: FakeChannel[];
let statuses: Events['runStatus'][];
let manager: RunManager;

async function newRun(): Promise<string> {
  return (await store.create({ name: 'r', config: {}, ffnSummary: 'mot' })).id;
}

beforeEach(async () => {
  store = await RunStore.open(join(mkdtempSync(join(tmpdir(), 'mot-manager-')), 'data'));
  channels = [];
  statuses = [];
  const hub = new EventHub();
  hub.on('runStatus', (event) => statuses.push(event));
  manager = new RunManager(store, hub.emit, {
    launcher: () => {
      const channel = new FakeChannel();
      channels.push(channel);
      return channel;
    },
    concurrency: 1,
    stopGraceMs: 200,
    shutdownGraceMs: 200,
  });
});

describe('RunManager', () => {
  it('trains one run at a time by default, in the order they were started', async () => {
    const [a, b] = [await newRun(), await newRun()];
    await manager.enqueue(a);
    await manager.enqueue(b);
    expect(channels).toHaveLength(1);
    expect(manager.isQueued(b)).toBe(true);
    channels[0].say({ type: 'ready' });
    channels[0].say({ type: 'patch', patch: { status: 'completed', lastStep: 5 } });
    channels[0].say({ type: 'done', summary });
    channels[0].exit({ code: 0, signal: null });
    await expect.poll(() => channels.length).toBe(2);
    expect(channels[0].sent).toEqual(['start', 'exit']);
    expect(store.get(a)).toMatchObject({ status: 'completed', lastStep: 5 });
    await expect.poll(() => store.get(b).status).toBe('running');
    // The store is patched before the status event goes out: wait for the event itself.
    await expect.poll(() => statuses.length).toBe(5);
    expect(statuses.map((s) => `${s.runId === a ? 'a' : 'b'}:${s.status}`)).toEqual([
      'a:queued',
      'a:running',
      'b:queued',
      'a:completed',
      'b:running',
    ]);
  });

  it('holds commands until the child is ready, and a pause wins over the child saying running', async () => {
    const run = await newRun();
    await manager.enqueue(run);
    await manager.pause(run);
    channels[0].say({ type: 'ready' });
    channels[0].say({ type: 'patch', patch: { status: 'running', lastStep: 1 } });
    await expect.poll(() => store.get(run).lastStep).toBe(1);
    expect(channels[0].sent).toEqual(['start', 'pause']);
    expect(store.get(run).status).toBe('paused');
    await expect(manager.pause(run)).rejects.toMatchObject({ code: 'conflict' });
    await manager.resume(run);
    expect(store.get(run).status).toBe('running');
    expect(channels[0].sent).toEqual(['start', 'pause', 'resume']);
  });

  it('fails a run whose process exits without reporting, with the last line it wrote to stderr', async () => {
    const run = await newRun();
    await manager.enqueue(run);
    channels[0].say({ type: 'ready' });
    channels[0].exit({
      code: null,
      signal: 'SIGABRT',
      stderrTail: 'loading\nFatal: CUDA out of memory\n',
    });
    await expect.poll(() => manager.isActive(run)).toBe(false);
    expect(store.get(run)).toMatchObject({
      status: 'failed',
      error: 'the training process was killed by signal SIGABRT: Fatal: CUDA out of memory',
    });
  });

  it('stops a queued run without starting it', async () => {
    const [a, b] = [await newRun(), await newRun()];
    await manager.enqueue(a);
    await manager.enqueue(b);
    expect((await manager.stop(b)).status).toBe('stopped');
    channels[0].say({ type: 'failed', message: 'boom' });
    channels[0].exit({ code: 0, signal: null });
    await expect.poll(() => manager.isActive(a)).toBe(false);
    expect(store.get(a)).toMatchObject({ status: 'failed', error: 'boom' });
    expect(channels).toHaveLength(1);
  });

  it('kills a run that does not stop within the grace period: stopped on stopRun, interrupted on close', async () => {
    const [a, b] = [await newRun(), await newRun()];
    manager.setConcurrency(2);
    await manager.enqueue(a);
    await manager.enqueue(b);
    for (const channel of channels) channel.say({ type: 'ready' });
    const stopped = await manager.stop(a);
    expect(channels[0].killedWith).toBe('SIGKILL');
    expect(stopped.status).toBe('stopped');
    await manager.close();
    expect(channels[1].sent).toEqual(['start', 'stop']);
    expect(store.get(b).status).toBe('interrupted');
  });
});
