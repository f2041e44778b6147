#!/usr/bin/env node
// Builds the optional native kernels (native/: N-API on the platform BLAS) from source at
// `npm install` / `npm ci`, with the node-gyp that ships inside npm and this Node's own headers
// (no downloads). It never fails the install: where it cannot build, the engine runs plain wasm,
// and native/build/error.txt keeps the reason that `mot backends` shows.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const native = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
const errorFile = join(native, 'build', 'error.txt');

function fail(reason) {
  mkdirSync(dirname(errorFile), { recursive: true });
  writeFileSync(errorFile, `${reason}\n`);
  console.warn(`mot: native kernels not built (${reason}); training uses plain tfjs-wasm`);
  process.exit(0);
}

if (process.env.MOT_NATIVE === '0') fail('skipped: MOT_NATIVE=0');
rmSync(errorFile, { force: true });

// npm tells its scripts where its node-gyp is; otherwise look beside this Node's npm.
const prefix = dirname(dirname(process.execPath));
const gyp = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  join(
    dirname(process.execPath),
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  ),
].find((file) => file && existsSync(file));
if (!gyp) fail('node-gyp not found (it ships with npm)');

// This Node's headers (Debian's nodejs and the official builds install include/node): without a
// --nodedir, node-gyp would download them.
const nodedir = [process.config.variables.node_prefix, prefix].find(
  (dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h')),
);
if (!nodedir)
  fail(`no Node headers under ${prefix}/include/node (Debian: apt-get install libnode-dev)`);

const run = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], {
  cwd: native,
  encoding: 'utf8',
  timeout: 300_000,
});
if (run.status !== 0) {
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n');
  const error = output.filter((line) => /error|not found|No such file/i.test(line)).slice(-3);
  fail(error.join(' | ') || run.error?.message || `node-gyp exited with ${run.status}`);
}
console.log('mot: native kernels built (native/build/Release/mot_native.node)');
