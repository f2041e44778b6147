import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_REQUIREMENTS, nodeRequirementProblem } from '../../bin/node-requirement.js';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const enginesOf = (name: string) =>
  (
    createRequire(join(root, 'package.json'))(`${name}/package.json`) as {
      engines: { node: string };
    }
  ).engines.node;

describe('the Node.js requirement', () => {
  it.each(['20.19.0', '20.20.2', '22.12.0', '22.20.1', '24.1.0', 'v25.0.0'])(
    'cli runs on %s',
    (v) => expect(nodeRequirementProblem(v, 'cli')).toBeUndefined(),
  );

  it.each(['18.20.0', '20.18.3', '21.7.3', '22.11.0'])('cli refuses %s, saying why', (v) =>
    expect(nodeRequirementProblem(v, 'cli')).toMatch(
      new RegExp(`needs Node.js 20.19\\+ \\(20.x\\) or 22.12\\+; this is Node.js ${v}`),
    ),
  );

  it('the desktop app from a checkout needs what Electron declares', () => {
    expect(nodeRequirementProblem('22.12.0', 'desktop')).toBeUndefined();
    expect(nodeRequirementProblem('20.20.2', 'desktop')).toMatch(/22\.12 or newer.*mot serve/);
  });

  it('matches package.json and the packages that set it', () => {
    expect(pkg.engines.node).toBe('^20.19.0 || >=22.12.0');
    expect(enginesOf('vite')).toBe(pkg.engines.node);
    expect(enginesOf('electron')).toBe('>= 22.12.0');
    expect(NODE_REQUIREMENTS.desktop.ranges).toEqual([[22, 12, 0]]);
  });
});
