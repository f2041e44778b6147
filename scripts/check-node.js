/**
 * Stops `npm start` / `npm run dist` with one clear line when this Node.js is too old.
 * Usage: node scripts/check-node.js cli|desktop
 */
import { nodeRequirementProblem } from '../bin/node-requirement.js';

const problem = nodeRequirementProblem(process.versions.node, process.argv[2] ?? 'cli');
if (problem) {
  console.error(problem);
  process.exit(1);
}
