/**
 * The installers' contents, checked with electron-builder's own code and offline: its schema
 * validates electron-builder.config.js, and its packer builds the Linux app folder (the step every
 * installer starts from) from a stand-in Electron (the real binary cannot be downloaded here), so
 * the asar it writes is exactly what the config puts in an installer. That asar must hold the built
 * app and its production dependencies only, with native code unpacked; and the training process
 * from inside it must train a run in plain Node, which shows nothing it needs was left out.
 *
 * The stand-in carries a fuse wire like Electron's, so the packer's fuse step runs for real too.
 * What only a real Electron can show (that it honours the fuses, the window opening) is left to
 * the release workflow, which builds the installers from this same config.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as buildApp } from 'electron-vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../electron-builder.config.js';
import { forkTrainerLauncher } from '../../src/services/run-manager/fork-launcher';
import { Workbench } from '../../src/services/workbench';
import { REPO_ROOT } from './built-app';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as {
  listPackage(archive: string, options?: object): string[];
  extractAll(archive: string, dest: string): void;
};

/** electron-builder's own validation, as `electron-builder` runs it before packing. */
async function validate(candidate: unknown): Promise<void> {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    validateConfiguration(config: unknown, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (on: boolean) => unknown };
  await validateConfiguration(candidate, new DebugLogger(false));
}

/** @electron/fuses' marker; the wire after it is: version, length, one byte per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's shipped fuse states, in FuseV1Options order ('1' on, '0' off). */
const ELECTRON_DEFAULT_FUSES = '10110001';

function standInElectron(): Buffer {
  return Buffer.concat([
    Buffer.from(`#!/bin/sh\n# ${FUSE_SENTINEL}`),
    Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]),
    Buffer.from(ELECTRON_DEFAULT_FUSES),
    Buffer.from('\n'),
  ]);
}

describe('electron-builder.config.js', () => {
  it("validates against electron-builder's schema", async () => {
    await expect(validate(config)).resolves.toBeUndefined();
  });

  it('is really checked: a misspelt option is rejected', async () => {
    await expect(
      validate({ ...config, linux: { ...config.linux, targets: ['deb'] } }),
    ).rejects.toThrow(/configuration object that does not match the API schema/);
  });

  it('builds AppImage, deb, dmg and NSIS with the icons from resources/', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toBe('dmg');
    expect(config.win?.target).toBe('nsis');
    for (const icon of [config.linux?.icon, config.mac?.icon, config.win?.icon]) {
      expect(icon).toMatch(/^resources\//);
      expect(existsSync(join(REPO_ROOT, String(icon)))).toBe(true);
    }
  });

  it('flips the hardening fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
  });
});

// The Linux app folder is packed where Linux runs; the release workflow packs each OS for real.
describe.skipIf(process.platform !== 'linux')('the packaged app', () => {
  let work: string;
  let archive: string;
  let files: string[];

  beforeAll(async () => {
    // Pack out/ as it is; build it first only when missing (other suites read out/ meanwhile).
    const built = [
      'main/index.js',
      'main/trainer-process.js',
      'main/train-worker.js',
      'preload/index.cjs',
      'renderer/index.html',
    ];
    if (!built.every((file) => existsSync(join(REPO_ROOT, 'out', file)))) {
      await buildApp({ root: REPO_ROOT, logLevel: 'warn' });
    }
    work = mkdtempSync(join(tmpdir(), 'mot-pack-'));
    // A stand-in for Electron's unpacked distribution: the packer copies and renames it, and
    // flips the fuses in it, so it carries a fuse wire as Electron's binary does (at Electron's
    // defaults) and nothing else.
    const electronDist = join(work, 'electron-dist');
    mkdirSync(electronDist);
    writeFileSync(join(electronDist, 'electron'), standInElectron());
    chmodSync(join(electronDist, 'electron'), 0o755);
    const { build, Platform } = await import('electron-builder');
    await build({
      projectDir: REPO_ROOT,
      targets: Platform.LINUX.createTarget('dir'),
      publish: 'never',
      config: {
        ...config,
        electronDist,
        electronVersion: require('electron/package.json').version as string,
        directories: { ...config.directories, output: join(work, 'dist') },
      },
    });
    archive = join(work, 'dist', 'linux-unpacked', 'resources', 'app.asar');
    files = asar.listPackage(archive);
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the built app and nothing else of the repository', () => {
    const appFiles = files.filter((f) => !f.startsWith('/node_modules'));
    for (const f of appFiles) {
      expect(f).toMatch(
        /^\/(out(\/(main|preload|renderer)(\/.*)?)?|package\.json|resources(\/icon\.png)?)$/,
      );
    }
    for (const needed of [
      '/out/main/index.js',
      '/out/main/trainer-process.js',
      '/out/main/train-worker.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/package.json',
      '/resources/icon.png',
    ]) {
      expect(appFiles).toContain(needed);
    }
    expect(files.filter((f) => /\.(ts|map|md)$/.test(f))).toEqual([]);
  });

  it('carries production dependencies only', () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
    };
    const packaged = new Set(
      files
        .map((f) => /^\/(node_modules\/(?:@[^/]+\/[^/]+|[^@/][^/]*))(?:\/|$)/.exec(f)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    expect(packaged.size).toBeGreaterThan(10);
    for (const name of packaged) {
      const entry = lock.packages[name];
      expect(entry, `${name} is not in package-lock.json`).toBeDefined();
      expect(entry?.dev ?? false, `${name} is a dev dependency`).toBe(false);
    }
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    for (const dev of [...Object.keys(pkg.devDependencies), 'tsx', 'esbuild', 'ws']) {
      expect(packaged.has(`node_modules/${dev}`), dev).toBe(false);
    }
  });

  it('flips the fuses in the packaged executable', async () => {
    const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses') as {
      getCurrentFuseWire(path: string): Promise<Record<number, number>>;
      FuseV1Options: Record<string, number>;
    };
    const wire = await getCurrentFuseWire(join(work, 'dist', 'linux-unpacked', 'mot-workbench'));
    const state = (name: string) => String.fromCharCode(wire[FuseV1Options[name]]);
    expect({
      runAsNode: state('RunAsNode'),
      cookieEncryption: state('EnableCookieEncryption'),
      nodeOptions: state('EnableNodeOptionsEnvironmentVariable'),
      inspect: state('EnableNodeCliInspectArguments'),
      asarIntegrity: state('EnableEmbeddedAsarIntegrityValidation'),
      onlyFromAsar: state('OnlyLoadAppFromAsar'),
      fileProtocolPrivileges: state('GrantFileProtocolExtraPrivileges'),
    }).toEqual({
      runAsNode: '0',
      cookieEncryption: '1',
      nodeOptions: '0',
      inspect: '0',
      asarIntegrity: '1',
      onlyFromAsar: '1',
      fileProtocolPrivileges: '0',
    });
  });

  it('unpacks native code and the wasm binaries from the asar', () => {
    const unpacked = join(
      `${archive}.unpacked`,
      'node_modules',
      '@tensorflow',
      'tfjs-backend-wasm',
      'dist',
    );
    for (const wasm of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) {
      expect(existsSync(join(unpacked, wasm)), wasm).toBe(true);
    }
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining(['**/*.node', '**/node_modules/@tensorflow/tfjs-node-gpu/**/*']),
    );
  });

  it("trains a run with the package's own training process, worker thread and dependencies", async () => {
    const extracted = join(work, 'extracted');
    asar.extractAll(archive, extracted);
    const workbench = await Workbench.open(join(work, 'data'), {
      launcher: forkTrainerLauncher({
        entry: join(extracted, 'out', 'main', 'trainer-process.js'),
      }),
    });
    try {
      const created = await workbench.handle('createRun', {
        preset: 'smoke',
        // Two workers: the bundled train-worker.js beside the training process runs too.
        config: { train: { steps: 8, workers: 2 } },
      });
      if (!created.ok) throw new Error(created.error.message);
      const runId = (created.value as { id: string }).id;
      const ended = new Promise<{ status: string; error?: string }>((resolve) => {
        workbench.on('runStatus', (event) => {
          if (event.runId === runId && ['completed', 'failed'].includes(event.status))
            resolve(event);
        });
      });
      expect((await workbench.handle('startRun', { runId })).ok).toBe(true);
      expect(await ended).toMatchObject({ status: 'completed' });
      const log = readFileSync(join(work, 'data', 'runs', runId, 'log.txt'), 'utf8');
      expect(log).toContain('2 worker thread(s), 4 rows each');
    } finally {
      await workbench.close();
    }
  });
});
