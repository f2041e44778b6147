/**
 * Serves the built renderer on `app://workbench/` (registered in src/main/index.ts with
 * `protocol.handle`). Every response carries the Content-Security-Policy header (the same policy
 * the page's `<meta>` tag holds, from src/core/api/csp.ts), and nothing outside the renderer
 * folder is ever read: `..`, encoded separators, other hosts and methods other than GET/HEAD
 * are refused.
 *
 * No `electron` here: the handler takes and returns web `Request`/`Response`, so it is
 * unit-tested in plain Node (test/main/app-protocol.test.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../core/api/csp';
import { APP_HOST, APP_SCHEME } from './app-origin';

/** The file types the renderer build emits; anything else is served as opaque bytes. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file under `rendererDir` that `url` names, or why not. `/` is index.html. A path that
 * leaves the folder, even once decoded, is `forbidden`.
 */
export function resolveAppPath(
  rendererDir: string,
  url: string,
): { file: string } | { refused: 'not-found' | 'forbidden' } {
  if (!URL.canParse(url)) return { refused: 'not-found' };
  const parsed = new URL(url);
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) {
    return { refused: 'forbidden' };
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return { refused: 'not-found' };
  }
  // An encoded slash or backslash, or a NUL, never names one of our files.
  if (pathname.includes('\\') || pathname.includes('\0') || /%2f|%5c/i.test(parsed.pathname)) {
    return { refused: 'forbidden' };
  }
  const root = resolve(rendererDir);
  const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  const inside = relative(root, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    return { refused: 'forbidden' };
  }
  return { file };
}

/** A `protocol.handle` handler for `app://` serving `rendererDir`. */
export function appProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const policy = contentSecurityPolicy({ dev: false, delivery: 'header' });
  const headers = (extra: Record<string, string>) => ({
    'Content-Security-Policy': policy,
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  });
  const refuse = (status: number, text: string) =>
    new Response(text, { status, headers: headers({ 'Content-Type': 'text/plain' }) });

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'GET only');
    const target = resolveAppPath(rendererDir, request.url);
    if ('refused' in target) {
      return target.refused === 'forbidden' ? refuse(403, 'forbidden') : refuse(404, 'not found');
    }
    try {
      if (!(await stat(target.file)).isFile()) return refuse(404, 'not found');
      const body = await readFile(target.file);
      const type = MIME_TYPES[extname(target.file).toLowerCase()] ?? 'application/octet-stream';
      return new Response(request.method === 'HEAD' ? null : body, {
        status: 200,
        headers: headers({ 'Content-Type': type }),
      });
    } catch {
      return refuse(404, 'not found');
    }
  };
}
