import { describe, expect, it } from 'vitest';
import { readableMessage, toShownError } from '../../src/renderer/src/lib/errors';
import { plural } from '../../src/renderer/src/lib/format';
import { contextText, longestLabels, mixCaption } from '../../src/renderer/src/lib/mix';
import { isEditable } from '../../src/renderer/src/lib/state/shortcuts.svelte';

describe('what people read', () => {
  it('turns schema wording into plain words', () => {
    expect(readableMessage('Invalid value: Expected >=1 but received 0')).toBe(
      'must be at least 1 (got 0)',
    );
    expect(readableMessage('Invalid value: Expected <=1 but received 3')).toBe(
      'must be at most 1 (got 3)',
    );
    expect(readableMessage('Invalid type: Expected number but received "abc"')).toBe(
      'must be a number (got "abc")',
    );
    expect(readableMessage('d / h = 42.666666666666664 per head')).toBe('d / h = 42.67 per head');
    expect(readableMessage('E·f = 0·Infinity')).toBe('E·f = 0·∞');
    expect(readableMessage('run 20261201-215357-03b3 failed')).toBe(
      'run 20261201-215357-03b3 failed',
    );
  });

  it('applies it to a host error and its issues', () => {
    const shown = toShownError({
      code: 'invalid_request',
      message: 'config.train.steps: Invalid value: Expected >=1 but received 0',
      issues: [
        { path: 'config.train.steps', message: 'Invalid value: Expected >=1 but received 0' },
      ],
    });
    expect(shown.message).toBe('config.train.steps: must be at least 1 (got 0)');
    expect(shown.issues[0].message).toBe('must be at least 1 (got 0)');
  });

  it('counts with the right noun', () => {
    expect(plural(1, 'line')).toBe('1 line');
    expect(plural(0, 'line')).toBe('0 lines');
    expect(plural(1200, 'line')).toBe('1,200 lines');
  });

  it('knows no field outside a browser', () => {
    expect(isEditable(null)).toBe(false);
  });
});

describe('heatmap column labels', () => {
  it('measures the longest labels, not the first ones', () => {
    const steps = Array.from({ length: 150 }, (_, i) => String(i * 10));
    expect(longestLabels(steps)[0]).toHaveLength(4);
    expect(longestLabels(steps.slice(0, 50))[0]).toHaveLength(3);
  });
});

describe('token mix text', () => {
  it('shows line breaks in context and captions what a picture shows', () => {
    expect(contextText('a\nb\tc\r')).toBe('a↵b⇥c');
    expect(
      mixCaption({ run: 'mot seed 1', step: 40, block: 0, group: 1, position: 5, time: 16 }),
    ).toBe('mot seed 1 · step 40 · block 0 · group 1 · position 5 of 16');
  });
});
