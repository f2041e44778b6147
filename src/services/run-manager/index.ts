/** The run manager: a queue of runs, each trained in its own process. Node side only. */
export { RunManager, describeExit } from './run-manager';
export type { RunManagerOptions } from './run-manager';
export { forkChannel, forkTrainerLauncher, defaultTrainerEntry } from './fork-launcher';
export type { ForkLauncherOptions } from './fork-launcher';
export { TextTail } from './launcher';
export type {
  MessageGuard,
  ProcessChannel,
  TrainerChannel,
  TrainerExit,
  TrainerLauncher,
} from './launcher';
export { connectToParent, type ParentPort } from './parent-port';
export type { ChildMessage, ParentMessage } from './protocol';
export { isChildMessage, isParentMessage } from './protocol';
export { ProgressBatcher, PROGRESS_INTERVAL_MS } from './progress-batcher';
