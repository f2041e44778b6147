/**
 * Configs that arrive in requests: laid over a preset (or a parent run's config) and checked in
 * full, with problems reported against the request field they came from (`config.model.heads`).
 *
 * A request may not point a run at a file: paths never travel through the API (DESIGN.md),
 * since a page talking to `mot serve` could otherwise read any file into a corpus. Configs
 * that already name a file (a run made with `mot train --config`) may still be forked.
 */
import { ConfigError, resolveConfig, type RunConfig } from '../../core/config';
import { findPreset } from '../../core/presets';
import { invalidRequest, underField } from './errors';

/** The preset's config, or invalid_request on `preset` naming the choices. */
export function presetConfig(name: string): RunConfig {
  try {
    return findPreset(name).config;
  } catch (error) {
    throw invalidRequest([{ path: 'preset', message: (error as Error).message }]);
  }
}

/** `partial` over `base`, validated; `field` is the request field that held `partial`. */
export function resolveRequestConfig(
  base: RunConfig,
  partial: Record<string, unknown> | undefined,
  field: string,
): RunConfig {
  const corpus = (partial?.['data'] as { corpus?: unknown } | undefined)?.corpus;
  if (
    typeof corpus === 'object' &&
    corpus !== null &&
    ('path' in corpus || (corpus as { kind?: unknown }).kind === 'file')
  ) {
    throw invalidRequest([
      {
        path: `${field}.data.corpus`,
        message: 'only built-in corpora can be chosen through the API (see listDatasets)',
      },
    ]);
  }
  try {
    return resolveConfig(base, partial);
  } catch (error) {
    if (error instanceof ConfigError) throw invalidRequest(underField(field, error.issues));
    throw error;
  }
}
