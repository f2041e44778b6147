/**
 * Which links may leave the app for the system browser. Anything else is dropped.
 *
 * Pure module (no `electron`), so it can be unit-tested without an Electron binary.
 */

/** Hosts (and their subdomains) that research links point to. https only. */
export const EXTERNAL_LINK_HOSTS: readonly string[] = [
  'arxiv.org',
  'github.com',
  'huggingface.co',
  'openreview.net',
];

/**
 * Returns the normalized URL when `candidate` is an https link to an allow-listed host, with no
 * credentials and the default port; otherwise `undefined`.
 */
export function allowedExternalUrl(candidate: string): string | undefined {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  const allowed = EXTERNAL_LINK_HOSTS.some((base) => host === base || host.endsWith(`.${base}`));
  return allowed ? url.href : undefined;
}
