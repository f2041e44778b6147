/**
 * The one error type the store throws, so callers (IPC handlers, the CLI, the server) can map a
 * failure to a result without parsing messages: `not_found` for an unknown run or file, `invalid`
 * for bad input or bad bytes on disk, `conflict` for something that already exists, `io` for the
 * file system refusing.
 */
export type StoreErrorCode = 'not_found' | 'invalid' | 'conflict' | 'io';

export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Node's errno code of a thrown value, if it has one (`ENOENT`, `EEXIST`, ...). */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
