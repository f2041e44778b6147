/** What the views show for a failed call: a message, and for invalid requests the fields. */
export interface ShownError {
  message: string;
  code?: string;
  issues: { path: string; message: string }[];
}

/** Normalises whatever a Host call rejected with (WorkbenchError, Error, plain object, string). */
export function toShownError(error: unknown): ShownError {
  if (typeof error === 'object' && error !== null) {
    const e = error as { message?: unknown; code?: unknown; issues?: unknown };
    const issues = Array.isArray(e.issues)
      ? e.issues.filter(
          (i): i is { path: string; message: string } =>
            typeof i === 'object' &&
            i !== null &&
            typeof (i as { path?: unknown }).path === 'string' &&
            typeof (i as { message?: unknown }).message === 'string',
        )
      : [];
    return {
      message: typeof e.message === 'string' ? e.message : String(error),
      code: typeof e.code === 'string' ? e.code : undefined,
      issues,
    };
  }
  return { message: String(error), issues: [] };
}
