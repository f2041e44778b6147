import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/api/run-record';
import type { RunConfig } from '../../src/core/config';
import { BASE_CONFIG } from '../../src/core/presets';
import { resolveConfig } from '../../src/core/config';
import { matchesRunFilter, parseRunFilter } from '../../src/renderer/src/lib/run-filter';

function run(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    name: `run ${id}`,
    status: 'completed',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ffnSummary: 'dense',
    tags: [],
    notes: '',
    lastStep: 100,
    tokensSeen: 1000,
    ...over,
  };
}

const mot = resolveConfig(BASE_CONFIG, {
  model: { ffn: 'mot' },
  train: { learningRate: 0.001, seed: 3 },
}) as RunConfig;
const dense = BASE_CONFIG;

describe('run filter', () => {
  it('reads clauses with or without spaces, and free words', () => {
    const filter = parseRunFilter('tiny train.learningRate < 0.002 model.ffn=mot  name ~ "a b"');
    expect(filter.clauses).toEqual([
      { path: 'train.learningRate', op: '<', value: '0.002' },
      { path: 'model.ffn', op: '=', value: 'mot' },
      { path: 'name', op: '~', value: 'a b' },
    ]);
    expect(filter.words).toEqual(['tiny']);
    expect(filter.errors).toEqual([]);
  });

  it('reports a clause without a value or with a bad path', () => {
    expect(parseRunFilter('train.seed >').errors).toEqual(['“train.seed >” needs a value']);
    expect(parseRunFilter('a..b = 1').errors).toHaveLength(1);
  });

  it('compares config numbers as numbers and text without case', () => {
    const lr = parseRunFilter('train.learningRate < 0.002');
    expect(matchesRunFilter(lr, run('a'), mot)).toBe(true);
    expect(matchesRunFilter(lr, run('b'), dense)).toBe(false);
    const ffn = parseRunFilter('model.ffn = MoT');
    expect(matchesRunFilter(ffn, run('a'), mot)).toBe(true);
    expect(matchesRunFilter(ffn, run('b'), dense)).toBe(false);
    expect(matchesRunFilter(parseRunFilter('train.seed >= 3'), run('a'), mot)).toBe(true);
    expect(matchesRunFilter(parseRunFilter('train.seed != 3'), run('a'), mot)).toBe(false);
  });

  it('tests record fields and tags; a missing value never matches', () => {
    const best = parseRunFilter('bestValidationLoss <= 2.5');
    expect(matchesRunFilter(best, run('a', { bestValidationLoss: 2.4 }), dense)).toBe(true);
    expect(matchesRunFilter(best, run('b'), dense)).toBe(false);
    const tag = parseRunFilter('tag = baseline');
    expect(matchesRunFilter(tag, run('a', { tags: ['x', 'Baseline'] }), dense)).toBe(true);
    expect(matchesRunFilter(tag, run('b', { tags: ['x'] }), dense)).toBe(false);
    expect(matchesRunFilter(parseRunFilter('status != failed'), run('c'), dense)).toBe(true);
    // A config not loaded yet: a config clause cannot hold.
    expect(matchesRunFilter(parseRunFilter('model.ffn = dense'), run('d'), undefined)).toBe(false);
  });

  it('needs every clause and every word; < on text matches nothing', () => {
    const both = parseRunFilter('model.ffn = mot train.learningRate > 0.002');
    expect(matchesRunFilter(both, run('a'), mot)).toBe(false);
    const words = parseRunFilter('run A');
    expect(matchesRunFilter(words, run('a'), dense)).toBe(true);
    expect(matchesRunFilter(words, run('b'), dense)).toBe(false);
    expect(matchesRunFilter(parseRunFilter('model.ffn < z'), run('a'), mot)).toBe(false);
  });
});
