/**
 * The entry of a task process: generates text, evaluates checkpoints, probes backends and
 * prepares torch runs' data for the workbench, one job at a time, so tfjs (and a native backend
 * that may abort) and long synchronous loops (BPE training) never run on the serving thread.
 * The workbench keeps one such process warm between jobs and kills it to cancel a job.
 */
import { probeBackends } from '../backends';
import { toApiError } from '../api/errors';
import { prepareTorchRun } from '../engines/torch-prepare';
import { evaluateRun } from '../evaluate';
import { ensureBackend, generateFromRun } from '../generation';
import { connectToParent } from '../run-manager/parent-port';
import { RunStore } from '../store';
import { isTaskRequest, type TaskBody, type TaskReply } from './protocol';

const port = connectToParent<TaskReply>('task-process');
/** Stores opened so far, by data dir (read only: this process never writes the catalog). */
const stores = new Map<string, Promise<RunStore>>();

port.onMessage((message) => {
  if (!isTaskRequest(message)) return;
  void perform(message).then(
    (value) => port.send({ type: 'result', id: message.id, result: { ok: true, value } }),
    (error: unknown) =>
      port.send({
        type: 'result',
        id: message.id,
        result: { ok: false, error: toApiError(error) },
      }),
  );
});
port.onDisconnect(() => process.exit(1));
port.send({ type: 'ready' });

async function perform(task: TaskBody): Promise<unknown> {
  switch (task.type) {
    case 'generate':
      return generateFromRun(await storeFor(task.dataDir), task.request);
    case 'evaluate': {
      const store = await storeFor(task.dataDir);
      await ensureBackend();
      const { runId, step } = task.request;
      return evaluateRun(store, runId, { step });
    }
    case 'prepareTorch': {
      const started = performance.now();
      const manifest = await prepareTorchRun(task.runDir, task.config, {
        dataDir: task.dataDir,
        tokenizerJson: task.tokenizerJson,
        initialWeights: task.initialWeights,
      });
      return { manifest, pid: process.pid, elapsedMs: performance.now() - started };
    }
    case 'probeBackends':
      return (await probeBackends(task.pythonPath)).map(({ name, available, detail }) => ({
        name,
        available,
        detail,
      }));
  }
}

function storeFor(dataDir: string): Promise<RunStore> {
  let store = stores.get(dataDir);
  if (store === undefined) {
    store = RunStore.open(dataDir, { repair: false });
    stores.set(dataDir, store);
  }
  return store;
}
