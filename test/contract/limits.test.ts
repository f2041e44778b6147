/**
 * Every number a request carries is bounded by its schema, so a huge or fractional value is the
 * caller's mistake (`invalid_request`), never a failure deep in the store; and a call too large
 * for one frame is refused before it is sent.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT_LIMITS, WorkbenchError } from '../../src/core/api/contract';
import { encodeCall, MAX_FRAME_BYTES } from '../../src/core/api/wire';
import { Workbench } from '../../src/services/workbench';

let workbench: Workbench;
let runId: string;

beforeAll(async () => {
  workbench = await Workbench.open(join(mkdtempSync(join(tmpdir(), 'mot-limits-')), 'data'));
  const created = await workbench.handle('createRun', { preset: 'smoke' });
  runId = (created as { value: { id: string } }).value.id;
});
afterAll(() => workbench.close());

/** [method, field, the rest of a valid request]: every number in the contract's requests. */
const NUMERIC_FIELDS: [string, string, Record<string, unknown>][] = [
  ['readSnapshot', 'step', {}],
  ['readMetrics', 'sinceStep', {}],
  ['forkRun', 'step', {}],
  ['transitionRun', 'step', {}],
  ['transitionRun', 'extraSteps', {}],
  ['transitionRun', 'capacityFactor', {}],
  ['transitionRun', 'loadBalanceWeight', {}],
  ['readLog', 'tail', {}],
  ['generate', 'step', { prompts: ['The '] }],
  ['generate', 'maxTokens', { prompts: ['The '] }],
  ['generate', 'temperature', { prompts: ['The '] }],
  ['generate', 'topK', { prompts: ['The '] }],
  ['generate', 'seed', { prompts: ['The '] }],
];

describe('numbers in requests', () => {
  it.each(NUMERIC_FIELDS)('%s rejects %s = 1e308 and -1e308', async (method, field, rest) => {
    for (const value of [1e308, -1e308]) {
      const result = await workbench.handle(method, { runId, ...rest, [field]: value });
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect((result as { error: { issues: { path: string }[] } }).error.issues[0].path).toBe(
        field,
      );
    }
  });

  it.each(NUMERIC_FIELDS.filter(([, field]) => !/Factor|Weight|temperature/.test(field)))(
    '%s rejects a fractional %s',
    async (method, field, rest) => {
      const result = await workbench.handle(method, { runId, ...rest, [field]: 2.5 });
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    },
  );

  it('rejects a config number past its bounds when creating a run', async () => {
    for (const steps of [1e308, 2 ** 60]) {
      const result = await workbench.handle('createRun', {
        preset: 'smoke',
        config: { train: { steps } },
      });
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
  });
});

describe('a call too large for one frame', () => {
  it('is refused before sending with invalid_request, naming the size and the limit', () => {
    const notes = 'é'.repeat(MAX_FRAME_BYTES / 2 + 10);
    const call = { id: 1, method: 'updateRun', request: { runId: 'x', notes } };
    expect(() => encodeCall(call)).toThrow(WorkbenchError);
    expect(() => encodeCall(call)).toThrow(
      /updateRun: the request is 4\.0 MiB; .* at most 4\.0 MiB/,
    );
  });

  it('passes a call at the largest size the contract allows', () => {
    const notes = '\u{1F600}'.repeat(TEXT_LIMITS.notes / 2);
    const prompts = Array.from({ length: 64 }, () => '\u{1F600}'.repeat(TEXT_LIMITS.prompt / 2));
    expect(() => encodeCall({ id: 1, method: 'updateRun', request: { notes } })).not.toThrow();
    expect(() => encodeCall({ id: 2, method: 'generate', request: { prompts } })).not.toThrow();
  });
});
