/**
 * The app:// handler against the real renderer build: it serves the built page and its assets
 * with the CSP header, and nothing outside the renderer folder, however the path is spelled.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/core/api/csp';
import { APP_ENTRY_URL, APP_ORIGIN } from '../../src/main/app-origin';
import { appProtocolHandler, resolveAppPath } from '../../src/main/app-protocol';
import { buildAppIntoTemp } from './built-app';

let outDir: string;
let rendererDir: string;
let serve: (request: Request) => Promise<Response>;
const get = (url: string, method = 'GET') => serve(new Request(url, { method }));

beforeAll(async () => {
  outDir = await buildAppIntoTemp();
  rendererDir = join(outDir, 'renderer');
  // Files beside the renderer that a path escaping it would reach.
  writeFileSync(join(outDir, 'secret.txt'), 'outside the renderer');
  mkdirSync(join(outDir, 'renderer-evil'));
  writeFileSync(join(outDir, 'renderer-evil', 'x.js'), 'outside too');
  serve = appProtocolHandler(rendererDir);
}, 120_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('app:// serves the built renderer', () => {
  it('serves index.html with the CSP header, equal to the page meta tag', async () => {
    for (const url of [APP_ENTRY_URL, `${APP_ORIGIN}/`]) {
      const response = await get(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(
        contentSecurityPolicy({ dev: false, delivery: 'header' }),
      );
      const html = await response.text();
      expect(html).toBe(readFileSync(join(rendererDir, 'index.html'), 'utf8'));
      // The meta tag is the same policy less frame-ancestors, which only a header can carry.
      expect(html).toContain(
        `content="${contentSecurityPolicy({ dev: false, delivery: 'meta' })}"`,
      );
    }
  });

  it('serves every built asset with its type', async () => {
    const assets = readdirSync(join(rendererDir, 'assets'));
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const response = await get(`${APP_ORIGIN}/assets/${asset}`);
      expect(response.status).toBe(200);
      const type = response.headers.get('content-type');
      if (asset.endsWith('.js')) expect(type).toBe('text/javascript; charset=utf-8');
      if (asset.endsWith('.css')) expect(type).toBe('text/css; charset=utf-8');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.equals(readFileSync(join(rendererDir, 'assets', asset)))).toBe(true);
    }
  });

  it('is the minified production build', () => {
    const scripts = readdirSync(join(rendererDir, 'assets')).filter((a) => a.endsWith('.js'));
    for (const script of scripts) {
      const code = readFileSync(join(rendererDir, 'assets', script), 'utf8');
      // Unminified, the bundle averages ~40 characters a line; minified, thousands.
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    }
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get(APP_ENTRY_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get(APP_ENTRY_URL, 'POST')).status).toBe(405);
  });

  it.each([
    `${APP_ORIGIN}/missing.js`,
    `${APP_ORIGIN}/assets`, // a folder
    `${APP_ORIGIN}/assets/`,
  ])('answers 404 for %s', async (url) => {
    expect((await get(url)).status).toBe(404);
  });

  it.each([
    `${APP_ORIGIN}/..%2fsecret.txt`,
    `${APP_ORIGIN}/%2e%2e%2fsecret.txt`,
    `${APP_ORIGIN}/assets%2f..%2f..%2fsecret.txt`,
    `${APP_ORIGIN}/..%5csecret.txt`,
    `${APP_ORIGIN}/%00index.html`,
    'app://other/index.html',
    'app://workbench:8080/index.html',
    'file:///etc/passwd',
  ])('refuses %s', async (url) => {
    const response = await get(url);
    expect([403, 404]).toContain(response.status);
    expect(await response.text()).not.toContain('outside');
  });

  it('never resolves a path outside the renderer folder', () => {
    const tries = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/../renderer-evil/x.js',
      '/./../renderer-evil/x.js',
    ];
    for (const path of tries) {
      const target = resolveAppPath(rendererDir, `${APP_ORIGIN}${path}`);
      // WHATWG URL parsing removes dot segments first; either way nothing escapes.
      if ('file' in target) expect(target.file.startsWith(`${rendererDir}/`)).toBe(true);
    }
  });
});
