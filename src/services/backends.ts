/**
 * Picks the tfjs backend a run trains on: the best that loads here, or the one asked for, and
 * says why each other one was skipped. One engine code path runs on all of them.
 *   tensorflow  @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node: optional dependencies
 *   webgpu      opt-in: the npm packages `webgpu` (Dawn) and @tensorflow/tfjs-backend-webgpu
 *   wasm        @tensorflow/tfjs-backend-wasm with SIMD: the embedded default
 *   cpu         pure JavaScript: slow, the reference
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../core/config';

export type BackendName = Exclude<BackendChoice, 'auto'>;

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** What was loaded (e.g. the package) or why it could not be. */
  detail: string;
}

export interface BackendSelection {
  name: BackendName;
  detail: string;
  /** Every backend tried before or instead of the chosen one, with the reason it was not used. */
  skipped: BackendProbe[];
}

// PROD silences tfjs's console advice about installing tfjs-node, which we already say better.
tf.env().set('PROD', true);

/** What `auto` tries, best first (webgpu is opt-in). */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Loads and activates a backend. `auto` tries tensorflow, then wasm, then cpu (webgpu is opt-in). */
export async function selectBackend(choice: BackendChoice): Promise<BackendSelection> {
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  const skipped: BackendProbe[] = [];
  for (const name of order) {
    const probe = await loadBackend(name);
    if (probe.available && (await tf.setBackend(registeredName(name)))) {
      await tf.ready();
      return { name, detail: probe.detail, skipped };
    }
    skipped.push(
      probe.available
        ? { ...probe, available: false, detail: `${probe.detail}, but it failed to initialise` }
        : probe,
    );
  }
  const reasons = skipped.map((s) => `${s.name}: ${s.detail}`).join('; ');
  throw new Error(`backend ${choice} is not available here (${reasons})`);
}

/** What each backend would do on this machine, without switching to it. */
export async function probeBackends(): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  for (const name of ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const)
    probes.push(await loadBackend(name));
  return probes;
}

function registeredName(name: BackendName): string {
  return name === 'tensorflow' ? 'tensorflow' : name;
}

async function loadBackend(name: BackendName): Promise<BackendProbe> {
  try {
    switch (name) {
      case 'cpu':
        return { name, available: true, detail: 'pure JavaScript kernels' };
      case 'wasm':
        await import('@tensorflow/tfjs-backend-wasm');
        return { name, available: true, detail: '@tensorflow/tfjs-backend-wasm (SIMD)' };
      case 'tensorflow':
        return await loadTensorflow();
      case 'webgpu':
        return await loadWebgpu();
    }
  } catch (error) {
    return { name, available: false, detail: oneLine(error) };
  }
}

async function loadTensorflow(): Promise<BackendProbe> {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ pkg);
      return {
        name: 'tensorflow',
        available: true,
        detail: `${pkg} (libtensorflow${pkg.endsWith('gpu') ? ', CUDA' : ''})`,
      };
    } catch (error) {
      reasons.push(
        `${pkg} ${isMissing(error) ? 'is not installed' : `failed to load: ${oneLine(error)}`}`,
      );
    }
  }
  return { name: 'tensorflow', available: false, detail: reasons.join('; ') };
}

async function loadWebgpu(): Promise<BackendProbe> {
  let gpu: { requestAdapter(): Promise<unknown> };
  try {
    const dawnPackage = 'webgpu'; // optional: a variable keeps bundlers and tsc from requiring it
    const dawn = (await import(/* @vite-ignore */ dawnPackage)) as {
      create(flags: string[]): typeof gpu;
      globals: object;
    };
    Object.assign(globalThis, dawn.globals);
    gpu = dawn.create([]);
    // tfjs-backend-webgpu looks for navigator.gpu, which Node does not have.
    const host = globalThis as { navigator?: object };
    host.navigator ??= {};
    Object.defineProperty(host.navigator, 'gpu', { value: gpu, configurable: true });
  } catch (error) {
    return {
      name: 'webgpu',
      available: false,
      detail: isMissing(error)
        ? 'the npm package `webgpu` (Dawn) is not installed'
        : oneLine(error),
    };
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter)
    return {
      name: 'webgpu',
      available: false,
      detail: 'Dawn found no GPU adapter (no Vulkan, Metal or D3D12 driver)',
    };
  try {
    const backendPackage = '@tensorflow/tfjs-backend-webgpu';
    await import(/* @vite-ignore */ backendPackage);
  } catch (error) {
    return {
      name: 'webgpu',
      available: false,
      detail: isMissing(error)
        ? '@tensorflow/tfjs-backend-webgpu is not installed'
        : oneLine(error),
    };
  }
  return { name: 'webgpu', available: true, detail: 'Dawn via the npm package `webgpu`' };
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
