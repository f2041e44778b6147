/**
 * Every method of the contract, implemented. The table's type makes a missing or misspelt
 * method a compile error, so the contract and the Node side cannot drift apart.
 */
import type { MethodName } from '../../core/api/contract';
import type { Handler } from './context';
import { attachFolder } from './attach';
import { pauseRun, resumeRun, startRun, stopRun } from './control';
import { estimateConfig } from './estimate';
import { evaluateCheckpoint } from './evaluation';
import { forkRun } from './fork';
import { cancelGeneration, generate } from './generation';
import { backendInfo, importDataset, listDatasets, listPresets, storeNotices } from './info';
import { exportMetrics, readLog, readMetrics, readSnapshot } from './metrics';
import { createRun, deleteRun, getRun, listRuns, updateRun } from './runs';
import { findPython, getSettings, updateSettings } from './settings';
import { createStudy, deleteStudy, getStudy, listStudies } from './studies';
import { transitionRun } from './transition';

export type { ApiContext, Handler } from './context';
export { toApiError } from './errors';
export { estimate } from './estimate';
export { parameterShapes } from './parameter-shapes';
export type { ParameterShape } from './parameter-shapes';
export { metricsCsv, CSV_COLUMNS } from './metrics-export';
export {
  CONCURRENCY_SETTING,
  DEFAULT_CONCURRENCY,
  storedConcurrency,
  storedPythonPath,
} from './settings';

export const HANDLERS: { [M in MethodName]: Handler<M> } = {
  listRuns,
  getRun,
  createRun,
  deleteRun,
  updateRun,
  startRun,
  pauseRun,
  resumeRun,
  stopRun,
  forkRun,
  transitionRun,
  readLog,
  readMetrics,
  exportMetrics,
  readSnapshot,
  generate,
  cancelGeneration,
  evaluateCheckpoint,
  listDatasets,
  importDataset,
  attachFolder,
  listPresets,
  estimateConfig,
  backendInfo,
  getSettings,
  updateSettings,
  findPython,
  storeNotices,
  createStudy,
  listStudies,
  getStudy,
  deleteStudy,
};
