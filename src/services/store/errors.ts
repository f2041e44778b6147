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

/** Keeps StoreErrors; a missing file or folder becomes `not_found`, bad JSON `invalid`, else `io`. */
export function asStoreError(error: unknown, action: string): StoreError {
  if (error instanceof StoreError) return error;
  if (errnoCode(error) === 'ENOENT')
    return new StoreError('not_found', `${action}: file or folder missing`, { cause: error });
  if (error instanceof SyntaxError)
    return new StoreError('invalid', `${action}: not valid JSON`, { cause: error });
  return new StoreError(
    'io',
    `${action}: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
