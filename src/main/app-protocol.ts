/**
 * Serves the built renderer on `app://workbench/` (registered in src/main/index.ts with
 * `protocol.handle`). Every response carries the Content-Security-Policy header (the same policy
 * the page's `<meta>` tag holds, from src/core/api/csp.ts), and nothing outside the renderer
 * folder is ever read: `..` however encoded, other hosts and methods other than GET/HEAD are
 * refused.
 *
 * No `electron` here: the handler takes and returns web `Request`/`Response`, so it is
 * unit-tested in plain Node (test/main/app-protocol.test.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { contentSecurityPolicy } from '../core/api/csp';
import { CONTENT_TYPES, resolveStaticPath } from '../services/server/static-files';
import { APP_HOST, APP_SCHEME } from './app-origin';

/**
 * The file under `rendererDir` that `url` names, or `forbidden`: another scheme or host, or a
 * path that leaves the folder once decoded (the same check `mot serve` applies). `/` is index.html.
 */
export function resolveAppPath(
  rendererDir: string,
  url: string,
): { file: string } | { refused: 'forbidden' } {
  if (!URL.canParse(url)) return { refused: 'forbidden' };
  const parsed = new URL(url);
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) {
    return { refused: 'forbidden' };
  }
  const file = resolveStaticPath(rendererDir, parsed.pathname);
  return file === null ? { refused: 'forbidden' } : { file };
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
    if ('refused' in target) return refuse(403, 'forbidden');
    try {
      if (!(await stat(target.file)).isFile()) return refuse(404, 'not found');
      const body = await readFile(target.file);
      const type = CONTENT_TYPES[extname(target.file).toLowerCase()] ?? 'application/octet-stream';
      return new Response(request.method === 'HEAD' ? null : body, {
        status: 200,
        headers: headers({ 'Content-Type': type }),
      });
    } catch {
      return refuse(404, 'not found');
    }
  };
}
