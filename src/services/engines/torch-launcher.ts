/**
 * The torch engine behind the run manager's TrainerChannel: Python processes running
 * resources/torch/train.py, which speak the trainer protocol as JSON lines on stdio (see
 * resources/torch/link.py). The channel answers `ready` itself; on `start` it finds Python,
 * prepares the run folder (token streams, tokenizer, initial weights: torch-prepare.ts; in a task
 * process where the workbench gives one, since BPE training on a large corpus takes a while and
 * would stall the serving thread), then starts the ranks: one, or `train.processes` with MASTER_ADDR / MASTER_PORT / RANK / WORLD_SIZE /
 * LOCAL_RANK set as torchrun would (Debian's torchrun fails on Python 3.11). Rank 0 reports;
 * pause, resume and stop go to it, and it relays them to the other ranks every step.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig, type RunConfig } from '../../core/config';
import type { CheckpointMeta } from '../run-data';
import type { RunStore } from '../store';
import { TextTail, type TrainerChannel, type TrainerExit } from '../run-manager/launcher';
import { isChildMessage, type ChildMessage, type ParentMessage } from '../run-manager/protocol';
import { describeRejections, describeTorchPython, findTorchPython } from './python';
import type { PrepareTorchJob } from '../tasks/protocol';
import { prepareTorchRun, type PreparedManifest } from './torch-prepare';

/** Overrides where resources/torch is (a packaged app passes its resources folder). */
export const TORCH_DIR_ENV = 'MOT_TORCH_DIR';

/** The folder holding train.py: MOT_TORCH_DIR, else resources/torch of the checkout or build. */
export function torchEngineDir(): string {
  const fromEnv = process.env[TORCH_DIR_ENV];
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    ...(fromEnv ? [fromEnv] : []),
    path.resolve(here, '../../../resources/torch'), // src/services/engines
    path.resolve(here, '../../resources/torch'), // out/main
    ...((process as { resourcesPath?: string }).resourcesPath
      ? [path.join((process as { resourcesPath?: string }).resourcesPath as string, 'torch')]
      : []),
  ];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'train.py')));
  if (!found) throw new Error(`the torch engine (train.py) is not in ${candidates.join(' or ')}`);
  return found;
}

export interface TorchChannelOptions {
  store: RunStore;
  runId: string;
  /** The `pythonPath` setting, if any. */
  pythonPath?: string;
  /** Prepares the run folder (default: in this process); aborted when the run is stopped first. */
  prepare?: PrepareRunner;
}

/** Writes `prepared/` for a job; `signal` aborts when the run ends before it is done. */
export type PrepareRunner = (
  job: PrepareTorchJob,
  signal: AbortSignal,
) => Promise<PreparedManifest>;

/** Preparing in the calling process: for the CLI, which serves nobody meanwhile. */
export const prepareInProcess: PrepareRunner = (job) =>
  prepareTorchRun(job.runDir, job.config, {
    dataDir: job.dataDir,
    tokenizerJson: job.tokenizerJson,
    initialWeights: job.initialWeights,
  });

export function torchTrainerChannel(options: TorchChannelOptions): TrainerChannel {
  const { store, runId } = options;
  const messageListeners: ((message: ChildMessage) => void)[] = [];
  const exitListeners: ((exit: TrainerExit) => void)[] = [];
  const stderr = new TextTail();
  const queued: ParentMessage[] = [];
  let ranks: ChildProcess[] = [];
  let pythonReady = false;
  let exited = false;
  let startRequested = false;
  const preparing = new AbortController();
  const log = (message: string) => {
    const line = `${new Date().toISOString()} ${message}`;
    emit({ type: 'log', line });
    return store.appendLog(runId, line).catch(() => {}); // the log is a courtesy; training goes on
  };

  const emit = (message: ChildMessage) => messageListeners.forEach((l) => l(message));
  const finish = (exit: TrainerExit) => {
    if (exited) return;
    exited = true;
    preparing.abort();
    for (const rank of ranks) rank.kill('SIGKILL');
    exitListeners.forEach((l) => l(exit));
  };
  const toRankZero = (message: ParentMessage) => {
    const stdin = ranks[0]?.stdin;
    if (stdin?.writable) stdin.write(`${JSON.stringify(message)}\n`);
  };

  async function start(resume: boolean): Promise<void> {
    const probe = await findTorchPython(options.pythonPath);
    if (!probe.found) throw new Error(describeRejections(probe));
    const config = validateConfig(store.readConfig(runId));
    const steps = store.listCheckpoints(runId);
    const latest = resume && steps.length > 0 ? steps[steps.length - 1] : undefined;
    const meta =
      latest !== undefined
        ? (store.readCheckpointMeta(runId, latest) as Partial<CheckpointMeta>)
        : undefined;
    const runDir = store.runDir(runId);
    const started = performance.now();
    await log(`torch engine: preparing the data (${describeData(config)})`);
    let manifest: PreparedManifest;
    try {
      manifest = await (options.prepare ?? prepareInProcess)(
        {
          runDir,
          dataDir: store.dataDir,
          config,
          tokenizerJson: meta?.tokenizer,
          initialWeights: latest === undefined,
        },
        preparing.signal,
      );
    } catch (error) {
      if (exited) return;
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`preparing the data for the torch engine failed: ${message}`, {
        cause: error,
      });
    }
    if (exited) return;
    await log(
      `torch engine: data ready in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
        `(${manifest.trainTokens.toLocaleString('en-US')} training tokens, vocabulary ${manifest.vocabSize})`,
    );
    if (exited) return;
    // As the embedded engine records it: the passes over the training split beside every budget.
    emit({ type: 'patch', patch: { trainSplitTokens: manifest.trainTokens } });
    const world = config.train.processes ?? 1;
    const script = path.join(torchEngineDir(), 'train.py');
    const port = world > 1 ? await freePort() : 0;
    const threads = String(Math.max(1, Math.floor(os.availableParallelism() / world)));
    process.stderr.write(`run ${runId}: torch engine, ${describeTorchPython(probe.found)}\n`);
    ranks = Array.from({ length: world }, (_, rank) =>
      spawn(
        probe.found!.command,
        [
          script,
          '--run',
          runDir,
          ...(rank === 0 ? ['--protocol'] : []),
          ...(resume ? [] : ['--fresh']),
        ],
        {
          stdio: [rank === 0 ? 'pipe' : 'ignore', rank === 0 ? 'pipe' : 'ignore', 'pipe'],
          env: {
            ...process.env,
            PYTHONUNBUFFERED: '1',
            ...(world > 1 && {
              MASTER_ADDR: '127.0.0.1',
              MASTER_PORT: String(port),
              RANK: String(rank),
              LOCAL_RANK: String(rank),
              WORLD_SIZE: String(world),
              OMP_NUM_THREADS: threads,
            }),
          },
          windowsHide: true,
        },
      ),
    );
    ranks.forEach((child, rank) => {
      child.on('error', (error) => stderr.push(`rank ${rank}: ${error.message}\n`));
      // A message to a rank that just died fails with EPIPE on its stdin; unheard, that error
      // would end this process (the app's main, the server). The rank's exit reports the death.
      child.stdin?.on('error', () => {});
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        stderr.push(chunk);
        process.stderr.write(chunk);
      });
    });
    const zero = ranks[0]!;
    readLines(zero, (line) => {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        return; // not protocol: ignore
      }
      if (!isChildMessage(message)) return;
      if (message.type !== 'ready') return emit(message);
      pythonReady = true;
      for (const command of queued.splice(0)) toRankZero(command);
    });
    zero.once('close', (code, signal) => finish({ code, signal, stderrTail: stderr.value }));
  }

  const channel: TrainerChannel = {
    get pid() {
      return ranks[0]?.pid;
    },
    send(message) {
      if (exited) return;
      if (message.type === 'start') {
        if (startRequested) return;
        startRequested = true;
        start(message.resume).catch((error: unknown) => {
          if (exited) return;
          emit({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
          finish({ code: 1, signal: null, stderrTail: stderr.value });
        });
        return;
      }
      if (message.type === 'exit' && ranks.length === 0) {
        finish({ code: 0, signal: null });
        return;
      }
      if (pythonReady) toRankZero(message);
      else queued.push(message);
    },
    onMessage(listener) {
      messageListeners.push(listener);
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    kill(signal = 'SIGKILL') {
      if (ranks.length === 0) finish({ code: null, signal });
      for (const rank of ranks) rank.kill(signal);
    },
  };
  // The run manager sends `start` after `ready`; the Python side says ready to us later.
  setImmediate(() => emit({ type: 'ready' }));
  return channel;
}

/** `brown, BPE 2048 tokenizer`: what preparing works through. */
function describeData({ data: { corpus, tokenizer } }: RunConfig): string {
  const source =
    corpus.kind === 'builtin'
      ? corpus.name
      : corpus.kind === 'dataset'
        ? `dataset ${corpus.id}`
        : path.basename(corpus.path);
  const tokens = tokenizer.kind === 'bpe' ? `BPE ${tokenizer.vocabSize}` : 'bytes';
  return `${source}, ${tokens} tokenizer`;
}

function readLines(child: ChildProcess, onLine: (line: string) => void): void {
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) onLine(line);
    }
  });
}

/** A free loopback port for the ranks' rendezvous. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
