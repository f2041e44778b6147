/**
 * The one-line description of a run in its header, Compare's picker and the Runs table, and what
 * the start button says.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config';
import { findPreset } from '../../src/core/presets';
import { keySettings, startLabel } from '../../src/renderer/src/lib/run-summary';

const smoke = findPreset('smoke').config;
const base = 'd32 · 1 block · T16 · B8 · lr 0.002 · 20 steps · bytes · brown';

describe('keySettings', () => {
  it('says nothing of the engine where the config lets the machine pick (auto)', () => {
    expect(keySettings(resolveConfig(smoke, { backend: 'auto' }))).toBe(base);
  });

  it('names the engine a config chose, and its processes when more than one', () => {
    expect(keySettings(resolveConfig(smoke, { backend: 'wasm' }))).toBe(`${base} · wasm`);
    expect(keySettings(resolveConfig(smoke, { backend: 'torch' }))).toBe(`${base} · torch`);
    expect(keySettings(resolveConfig(smoke, { backend: 'torch', train: { processes: 2 } }))).toBe(
      `${base} · torch × 2 processes`,
    );
  });

  it('names worker threads of the embedded engine, also where the backend is auto', () => {
    expect(keySettings(resolveConfig(smoke, { backend: 'wasm', train: { workers: 2 } }))).toBe(
      `${base} · wasm × 2 workers`,
    );
    expect(keySettings(resolveConfig(smoke, { backend: 'auto', train: { workers: 'auto' } }))).toBe(
      `${base} · workers auto`,
    );
  });
});

describe('startLabel', () => {
  it('resumes where a checkpoint is, starts over where none is, and offers nothing while it trains', () => {
    expect(startLabel('created', false)).toBe('Start');
    for (const status of ['stopped', 'interrupted', 'failed'] as const) {
      expect(startLabel(status, true)).toBe('Resume from checkpoint');
      expect(startLabel(status, false)).toBe('Start over');
    }
    for (const status of ['queued', 'running', 'paused', 'completed'] as const)
      expect(startLabel(status, true)).toBeNull();
  });
});
