/**
 * Where the native kernels' addon is looked for: in a checkout (from the sources and from a
 * bundle in out/) and in a packaged app (<resources>/native/, where electron-builder.config.js
 * copies it, outside the asar). Checked on real folders laid out as each case has them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import config from '../../electron-builder.config.js';
import {
  ADDON_FILE,
  PACKAGED_ADDON_DIR,
  addonCandidates,
  findAddon,
} from '../../src/services/native-kernels';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A temporary folder with the given files (contents do not matter to the lookup). */
function layout(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'mot-addon-'));
  roots.push(root);
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  return root;
}

const moduleUrl = (root: string, file: string) => pathToFileURL(join(root, file)).href;
const BUILT = join('native', 'build', 'Release', ADDON_FILE);

describe('the native addon lookup', () => {
  it('finds the build of a checkout from the sources and from a bundle in out/', () => {
    const repo = layout([BUILT]);
    for (const from of [
      'src/services/native-kernels.ts',
      'out/main/index.js',
      'out/main/chunks/a.js',
    ])
      expect(findAddon(moduleUrl(repo, from)), from).toBe(join(repo, BUILT));
  });

  it("finds a packaged app's copy in <resources>/native/, by resourcesPath or from the bundle", () => {
    const packaged = join(PACKAGED_ADDON_DIR, ADDON_FILE);
    const resources = layout([packaged, 'app.asar/out/main/index.js']);
    const bundle = moduleUrl(resources, 'app.asar/out/main/index.js');
    expect(findAddon(bundle, resources)).toBe(join(resources, packaged));
    expect(findAddon(bundle)).toBe(join(resources, packaged)); // a process without resourcesPath
    // resourcesPath is honoured where the bundle's own folders say nothing.
    const elsewhere = layout(['out/main/index.js']);
    expect(findAddon(moduleUrl(elsewhere, 'out/main/index.js'), resources)).toBe(
      join(resources, packaged),
    );
  });

  it('prefers a checkout build to a packaged copy, and is null where neither exists', () => {
    const both = layout([BUILT, join(PACKAGED_ADDON_DIR, ADDON_FILE)]);
    const url = moduleUrl(both, 'out/main/index.js');
    expect(addonCandidates(url, both)[0]).toBe(join(both, BUILT));
    expect(findAddon(url, both)).toBe(join(both, BUILT));
    const empty = layout(['out/main/index.js']);
    expect(findAddon(moduleUrl(empty, 'out/main/index.js'), empty)).toBeNull();
  });

  it('is where electron-builder.config.js puts the addon: outside the asar, in <resources>/native', () => {
    const entries = (config.extraResources ?? []) as {
      from: string;
      to: string;
      filter: string[];
    }[];
    const addon = entries.find((entry) => entry.from === 'native/build/Release');
    expect(addon).toEqual({
      from: 'native/build/Release',
      to: PACKAGED_ADDON_DIR,
      filter: [ADDON_FILE],
    });
    // Not in the asar as well: `files` names no part of native/.
    expect((config.files as string[]).filter((pattern) => pattern.includes('native'))).toEqual([]);
  });
});
