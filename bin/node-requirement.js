/**
 * Which Node.js each way of running the workbench needs, checked at start with a clear message
 * (instead of an obscure syntax or engine error later). The installed desktop app brings its own
 * Node inside Electron and needs none.
 *
 * - cli: `mot`, `mot serve` and the test suite. Vite 8, rolldown and ESLint 10 support Node
 *   ^20.19.0 or >=22.12.0 (package.json "engines").
 * - desktop: `npm start` / `npm run dist` from a checkout. Electron 45's installer (@electron/get)
 *   declares Node >=22.12.0.
 */

/** The lowest version in each supported release line, newest line last. */
export const NODE_REQUIREMENTS = {
  cli: {
    ranges: [
      [20, 19, 0],
      [22, 12, 0],
    ],
    text: 'Node.js 20.19+ (20.x) or 22.12+',
  },
  desktop: { ranges: [[22, 12, 0]], text: 'Node.js 22.12 or newer' },
};

/** [major, minor, patch] of a `process.versions.node` string. */
function parse(version) {
  const parts = String(version).replace(/^v/, '').split('.').map(Number);
  return [parts[0] || 0, parts[1] || 0, parts[2] || 0];
}

function atLeast(version, minimum) {
  for (let i = 0; i < 3; i++) {
    if (version[i] !== minimum[i]) return version[i] > minimum[i];
  }
  return true;
}

/** Undefined when `version` satisfies `need`; otherwise the message to print. */
export function nodeRequirementProblem(version, need) {
  const requirement = NODE_REQUIREMENTS[need];
  if (!requirement) throw new Error(`unknown requirement "${need}" (cli or desktop)`);
  const v = parse(version);
  const ranges = requirement.ranges;
  const ok = ranges.some((minimum, i) => {
    const isLast = i === ranges.length - 1;
    // A line below the last is bounded to its own major (20.19+ means 20.x, not 21).
    return atLeast(v, minimum) && (isLast || v[0] === minimum[0]);
  });
  if (ok) return undefined;
  const what = need === 'desktop' ? 'the desktop app (from a checkout)' : 'the mot command';
  const hint =
    need === 'desktop'
      ? ' Install a newer Node.js (nodejs.org, or `nvm install 22`), or run the same app in a browser with `npx mot serve`.'
      : ' Install a newer Node.js (nodejs.org, or `nvm install 22`).';
  return `MoT Workbench: ${what} needs ${requirement.text}; this is Node.js ${String(version).replace(/^v/, '')}.${hint}`;
}
