/**
 * What the About dialog and the first-run welcome say: the versions, the data dir, and each
 * compute backend with whether it loads here and, when not, what it would need. Pure text, so
 * test/main/about.test.ts checks it without Electron.
 */
import type { BackendInfo } from '../core/api/contract';
import { AUTO_ORDER } from '../services/backends';

/** What each backend needs that a plain install lacks. */
export const BACKEND_NEEDS: Readonly<Record<string, string>> = {
  tensorflow:
    'the optional package @tensorflow/tfjs-node-gpu with the CUDA and cuDNN libraries it was built for (or @tensorflow/tfjs-node for CPU)',
  webgpu:
    'the packages webgpu and @tensorflow/tfjs-backend-webgpu, and a Vulkan, Metal or D3D12 driver',
  wasm: 'nothing: it ships with the app',
  cpu: 'nothing: it ships with the app',
  torch: 'python3 with PyTorch installed',
};

export interface AboutFacts {
  appVersion: string;
  /** process.versions: electron, chrome, node, v8. */
  versions: Readonly<Record<string, string | undefined>>;
  platform: string;
  dataDir: string;
  backends: readonly BackendInfo[];
}

/** The backend a run with `backend: "auto"` trains on here, if any loads. */
export function backendInUse(backends: readonly BackendInfo[]): BackendInfo | undefined {
  for (const name of AUTO_ORDER) {
    const found = backends.find((b) => b.name === name && b.available);
    if (found) return found;
  }
  return undefined;
}

/** One line per backend: ✓ with what loaded, or ✗ with why not and what it needs. */
export function backendLines(backends: readonly BackendInfo[]): string[] {
  return backends.map((b) =>
    b.available
      ? `✓ ${b.name}: ${b.detail}`
      : `✗ ${b.name}: ${b.detail}. Needs ${BACKEND_NEEDS[b.name] ?? 'see `mot backends`'}.`,
  );
}

export function aboutDetail(facts: AboutFacts): string {
  const inUse = backendInUse(facts.backends);
  const { electron, chrome, node, v8 } = facts.versions;
  return [
    `Version ${facts.appVersion}`,
    `Electron ${electron ?? '?'}, Chromium ${chrome ?? '?'}, Node.js ${node ?? '?'}, V8 ${v8 ?? '?'} (${facts.platform})`,
    '',
    `Training backend in use: ${inUse ? `${inUse.name} (${inUse.detail})` : 'none loads'}`,
    ...backendLines(facts.backends),
    '',
    `Runs are kept in ${facts.dataDir}`,
  ].join('\n');
}

export function welcomeDetail(facts: AboutFacts): string {
  return [
    `Your runs will be kept in ${facts.dataDir} (set MOT_DATA_DIR or start with --data-dir DIR to use another folder; the mot command uses the same one).`,
    '',
    'Compute backends on this machine:',
    ...backendLines(facts.backends),
    '',
    'Start with New experiment and the tiny-mot preset (a few minutes on a laptop CPU). Help > About shows this again.',
  ].join('\n');
}
