#!/usr/bin/env node
// The `mot` command: runs the TypeScript CLI through tsx's loader, so the checkout needs no build.
import { nodeRequirementProblem } from './node-requirement.js';

const problem = nodeRequirementProblem(process.versions.node, 'cli');
if (problem) {
  console.error(problem);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/main.ts');
