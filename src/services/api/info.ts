/** What there is to choose from: datasets, presets and backends. */
import { PRESETS } from '../../core/presets';
import { probeBackends } from '../backends';
import { BUILTIN_CORPORA } from '../corpora';
import type { Handler } from './context';

/** Built-in corpora; their id is the name a config uses (`data.corpus: {kind: 'builtin', name}`). */
export const listDatasets: Handler<'listDatasets'> = async () =>
  BUILTIN_CORPORA.map(({ name, description }) => ({
    id: name,
    name,
    description,
    kind: 'builtin' as const,
  }));

export const listPresets: Handler<'listPresets'> = async () =>
  PRESETS.map(({ name, description, config }) => ({
    name,
    description,
    config: structuredClone(config),
  }));

export const backendInfo: Handler<'backendInfo'> = async () =>
  (await probeBackends()).map(({ name, available, detail }) => ({ name, available, detail }));
