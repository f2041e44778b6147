// The experiment form's applicability rules, the study budget axis, and a run's passes over its split.
import { describe, expect, it } from 'vitest';
import { resolveConfig, type RunConfig } from '../../src/core/config';
import { BASE_CONFIG } from '../../src/core/presets';
import {
  DATA_FIELDS,
  ENGINE_CHOICES,
  ENGINE_FIELDS,
  INTERVAL_FIELDS,
  MODEL_CHOICES,
  MOE_CHOICES,
  MOE_FIELDS,
  WORKERS_CHOICE,
  inapplicableReason,
} from '../../src/renderer/src/lib/config-fields';
import { setPath } from '../../src/renderer/src/lib/config-paths';
import {
  formatPassCount,
  passesSoFar,
  plannedPasses,
  tokenBudget,
} from '../../src/renderer/src/lib/run-passes';
import { budgetAxisIsLog } from '../../src/renderer/src/lib/study-gaps';

const spec = <T extends { path: string }>(list: T[], path: string): T => {
  const found = list.find((s) => s.path === path);
  if (!found) throw new Error(`no field ${path}`);
  return found;
};
const moe = (router: 'token-choice' | 'expert-choice', topK: number): RunConfig =>
  resolveConfig(BASE_CONFIG, { model: { ffn: 'moe', moe: { router, topK } } });

describe('experiment form fields', () => {
  it('lists the data seed, validation tokens, init truncation and balance choices', () => {
    expect(DATA_FIELDS.map((s) => s.path)).toEqual(
      expect.arrayContaining(['data.seed', 'data.validationTokens']),
    );
    expect(spec(MODEL_CHOICES, 'model.initTruncation').options.map((o) => o.value)).toEqual([
      'scale',
      'std',
    ]);
    expect(spec(MOE_CHOICES, 'model.moe.balanceChoices').options.map((o) => o.value)).toEqual([
      'all',
      'first',
    ]);
    for (const s of [...DATA_FIELDS, ...MODEL_CHOICES, ...MOE_CHOICES]) {
      expect(s.help.length).toBeGreaterThan(10);
    }
  });

  it('worker threads: 1 drops the key, auto and counts are written as the schema wants them', () => {
    const write = (value: string) => {
      const config = structuredClone(BASE_CONFIG) as RunConfig;
      setPath(config, WORKERS_CHOICE.path, WORKERS_CHOICE.toConfig!(value));
      return config;
    };
    expect('workers' in write('1').train).toBe(false);
    expect(resolveConfig(BASE_CONFIG, write('auto')).train.workers).toBe('auto');
    expect(resolveConfig(BASE_CONFIG, write('2')).train.workers).toBe(2);
    expect(WORKERS_CHOICE.options.map((o) => o.value)).toEqual(['1', 'auto', '2', '4', '8', '16']);
    const on = (backend: RunConfig['backend']) =>
      inapplicableReason(WORKERS_CHOICE, resolveConfig(BASE_CONFIG, { backend }));
    expect(on('wasm')).toBeNull();
    expect(on('auto')).toBeNull();
    expect(on('torch')).toMatch(/processes/);
    expect(on('tensorflow')).toMatch(/wasm and cpu/);
    // A count > 1 stays editable on torch, so its config error can be fixed where it shows.
    const two = { ...BASE_CONFIG, backend: 'torch', train: { ...BASE_CONFIG.train, workers: 2 } };
    expect(inapplicableReason(WORKERS_CHOICE, two as RunConfig)).toBeNull();
  });

  it('disables balance choices unless token choice with top-k > 1', () => {
    const balance = spec(MOE_CHOICES, 'model.moe.balanceChoices');
    expect(inapplicableReason(balance, moe('token-choice', 2))).toBeNull();
    expect(inapplicableReason(balance, moe('token-choice', 1))).toMatch(/top-k = 1/);
    expect(inapplicableReason(balance, moe('expert-choice', 2))).toMatch(/Token choice only/);
  });

  it('disables top-k and the load-balance weight for expert choice, which never reads them', () => {
    for (const path of ['model.moe.topK', 'model.moe.loadBalanceWeight']) {
      const field = spec(MOE_FIELDS, path);
      expect(inapplicableReason(field, moe('token-choice', 2))).toBeNull();
      expect(inapplicableReason(field, moe('expert-choice', 1))).toMatch(/^Token choice only: /);
    }
  });

  it('disables eval batches once the validation sample is set in tokens', () => {
    const evalBatches = spec(INTERVAL_FIELDS, 'train.evalBatches');
    const config = structuredClone(BASE_CONFIG);
    setPath(config, 'data.validationTokens', undefined);
    expect('validationTokens' in config.data).toBe(false);
    expect(inapplicableReason(evalBatches, config)).toBeNull();
    setPath(config, 'data.validationTokens', 4096);
    expect(inapplicableReason(evalBatches, config)).toMatch(/tokens/);
    expect(inapplicableReason(spec(DATA_FIELDS, 'data.seed'), config)).toBeNull();
  });
});

describe('torch engine fields', () => {
  const processes = spec(ENGINE_FIELDS, 'train.processes');
  const precision = spec(ENGINE_CHOICES, 'train.precision');
  /** A draft as the form holds it: not necessarily valid (processes > 1 off torch is an error). */
  const on = (backend: RunConfig['backend'], processCount?: number): RunConfig => {
    const config = structuredClone(BASE_CONFIG);
    config.backend = backend;
    setPath(config, 'train.processes', processCount);
    return config;
  };

  it('offers processes on torch only, but keeps a stale count editable where its error shows', () => {
    expect(inapplicableReason(processes, on('torch'))).toBeNull();
    expect(inapplicableReason(processes, on('wasm'))).toMatch(/Backend torch only/);
    expect(inapplicableReason(processes, on('auto'))).toMatch(/Backend torch only/);
    expect(inapplicableReason(processes, on('wasm', 2))).toBeNull();
  });

  it('offers the precision where torch may train (torch, auto), with every schema value', () => {
    expect(precision.options.map((o) => o.value)).toEqual(['fp32', 'tf32', 'bf16']);
    expect(precision.help).toMatch(/CUDA only/);
    expect(inapplicableReason(precision, on('torch'))).toBeNull();
    expect(inapplicableReason(precision, on('auto'))).toBeNull();
    expect(inapplicableReason(precision, on('cpu'))).toMatch(/fp32/);
  });
});

describe('study budget axis', () => {
  it('is logarithmic only for positive budgets spanning more than a factor of 3', () => {
    expect(budgetAxisIsLog([100, 200, 400, 800])).toBe(true);
    expect(budgetAxisIsLog([100, 200, 300])).toBe(false);
    expect(budgetAxisIsLog([0, 100, 800])).toBe(false);
    expect(budgetAxisIsLog([500])).toBe(false);
  });
});

describe('passes over the training split', () => {
  it('prefers the newest record, else tokens seen over the split', () => {
    expect(passesSoFar({ tokensSeen: 300, trainSplitTokens: 100 }, { epochs: 2.5 })).toBe(2.5);
    expect(passesSoFar({ tokensSeen: 300, trainSplitTokens: 100 }, {})).toBe(3);
    expect(passesSoFar({ tokensSeen: 300 })).toBeNull();
  });

  it('plans steps · B · T over the split', () => {
    const c = BASE_CONFIG;
    const budget = c.train.steps * c.train.batchSize * c.model.contextLength;
    expect(tokenBudget(c)).toBe(budget);
    expect(plannedPasses(c, budget / 2)).toBe(2);
    expect(plannedPasses(c, undefined)).toBeNull();
  });

  it('formats counts readably', () => {
    expect(formatPassCount(2.24)).toBe('2.2 passes');
    expect(formatPassCount(1)).toBe('1.0 pass');
    expect(formatPassCount(0.456)).toBe('0.46 passes');
    expect(formatPassCount(0.001)).toBe('<0.01 passes');
    expect(formatPassCount(37.4)).toBe('37 passes');
  });
});
