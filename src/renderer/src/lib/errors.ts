/** What the views show for a failed call: a message, and for invalid requests the fields. */
export interface ShownError {
  message: string;
  code?: string;
  issues: { path: string; message: string }[];
}

const BOUND_WORDS: Record<string, string> = {
  '>=': 'at least',
  '<=': 'at most',
  '>': 'more than',
  '<': 'less than',
};

/**
 * Validation wording for people: the schema library's "Invalid value: Expected >=1 but received
 * 0" becomes "must be at least 1 (got 0)", "Invalid type: Expected number but received
 * "abc"" becomes "must be a number (got "abc")", and long decimals are rounded.
 */
export function readableMessage(text: string): string {
  return text
    .replace(
      /Invalid (?:value|length|size): Expected (>=|<=|>|<) ?(\S+) but received (\S+)/g,
      (_, op: string, bound: string, got: string) =>
        `must be ${BOUND_WORDS[op]} ${bound} (got ${got})`,
    )
    .replace(
      /Invalid type: Expected (\S+) but received (.+?)(?=$|;|\n)/g,
      (_, type: string, got: string) =>
        `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} (got ${got})`,
    )
    .replace(/\d+\.\d{5,}/g, (n) => String(Number(Number(n).toPrecision(4))))
    .replace(/\bInfinity\b/g, '∞');
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
    const message = readableMessage(typeof e.message === 'string' ? e.message : String(error));
    return {
      message,
      code: typeof e.code === 'string' ? e.code : undefined,
      issues: issues.map((i) => ({ path: i.path, message: readableMessage(i.message) })),
    };
  }
  return { message: readableMessage(String(error)), issues: [] };
}
