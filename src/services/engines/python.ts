/**
 * Finding a Python with PyTorch for the torch engine, and saying what was found. Candidates, in
 * order: an explicit path (the `pythonPath` setting), `MOT_PYTHON`, the active virtualenv or conda
 * environment, `python3` on PATH, `/usr/bin/python3` (Debian's python3-torch installs there, while
 * a pyenv or Homebrew python3 earlier on PATH often has no torch). Each is asked for its version,
 * torch's version, its CUDA devices and whether it sees MPS (Apple GPUs); the first with torch
 * wins. Answers are cached per process.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const PYTHON_ENV = 'MOT_PYTHON';

export interface PythonCandidate {
  command: string;
  /** Where the candidate came from: setting, MOT_PYTHON, VIRTUAL_ENV, CONDA_PREFIX, PATH, system. */
  source: string;
}

export interface TorchPython {
  command: string;
  source: string;
  python: string;
  torch: string;
  /** CUDA device names (empty: none); MPS on Apple silicon. */
  cuda: string[];
  mps: boolean;
}

export interface PythonProbe {
  found: TorchPython | null;
  /** Why each earlier candidate was not used. */
  rejected: { command: string; source: string; reason: string }[];
}

const PROBE_SCRIPT = [
  'import json, sys',
  'import torch',
  'cuda = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []',
  'mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())',
  'print(json.dumps({"python": sys.version.split()[0], "torch": torch.__version__, "cuda": cuda, "mps": mps}))',
].join('\n');

const PROBE_TIMEOUT_MS = 60_000;

export function pythonCandidates(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): PythonCandidate[] {
  const bin = process.platform === 'win32' ? 'Scripts' : 'bin';
  const exe = process.platform === 'win32' ? 'python.exe' : 'python';
  const out: PythonCandidate[] = [];
  if (explicit) out.push({ command: explicit, source: 'setting' });
  if (env[PYTHON_ENV]) out.push({ command: env[PYTHON_ENV] as string, source: PYTHON_ENV });
  for (const key of ['VIRTUAL_ENV', 'CONDA_PREFIX']) {
    const prefix = env[key];
    if (prefix) out.push({ command: path.join(prefix, bin, exe), source: key });
  }
  out.push({ command: process.platform === 'win32' ? 'python' : 'python3', source: 'PATH' });
  if (process.platform !== 'win32' && existsSync('/usr/bin/python3'))
    out.push({ command: '/usr/bin/python3', source: 'system' });
  return out;
}

const cache = new Map<string, Promise<PythonProbe>>();

/** The first candidate with torch (cached per explicit path). */
export function findTorchPython(explicit?: string): Promise<PythonProbe> {
  const key = `${explicit ?? ''}\0${process.env[PYTHON_ENV] ?? ''}`;
  let probe = cache.get(key);
  if (!probe) {
    probe = searchCandidates(pythonCandidates(explicit));
    cache.set(key, probe);
  }
  return probe;
}

async function searchCandidates(candidates: PythonCandidate[]): Promise<PythonProbe> {
  const rejected: PythonProbe['rejected'] = [];
  const tried = new Set<string>();
  for (const candidate of candidates) {
    if (tried.has(candidate.command)) continue;
    tried.add(candidate.command);
    try {
      const info = await askPython(candidate.command);
      return { found: { ...candidate, ...info }, rejected };
    } catch (error) {
      rejected.push({
        ...candidate,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { found: null, rejected };
}

function askPython(command: string): Promise<Omit<TorchPython, 'command' | 'source'>> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      ['-c', PROBE_SCRIPT],
      { timeout: PROBE_TIMEOUT_MS, windowsHide: true },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return reject(new Error('not found'));
          const last = stderr.trim().split('\n').at(-1) ?? error.message;
          return reject(new Error(/No module named 'torch'/.test(last) ? 'no torch' : last));
        }
        try {
          resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as never);
        } catch {
          reject(new Error(`unexpected answer: ${stdout.slice(0, 200)}`));
        }
      },
    );
  });
}

/**
 * Whether an NVIDIA driver is installed (cheap, no Python started): `auto` asks Python about
 * CUDA only then. macOS has had no CUDA since 10.13.
 */
export function mayHaveCuda(): boolean {
  if (process.platform === 'linux') return existsSync('/proc/driver/nvidia/version');
  if (process.platform === 'win32')
    return existsSync(
      path.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'nvidia-smi.exe'),
    );
  return false;
}

/** One line: `python 3.11.2 (/usr/bin/python3, system), torch 1.13.0, no CUDA`. */
export function describeTorchPython(p: TorchPython): string {
  const devices =
    p.cuda.length > 0 ? `CUDA: ${p.cuda.join(', ')}` : p.mps ? 'MPS (Apple GPU)' : 'no CUDA (CPU)';
  return `python ${p.python} (${p.command}, from ${p.source}), torch ${p.torch}, ${devices}`;
}

/** Why no torch was found, one line. */
export function describeRejections(probe: PythonProbe): string {
  const reasons = probe.rejected.map((r) => `${r.command}: ${r.reason}`).join('; ');
  return `no Python with torch found (${reasons}); install PyTorch (Debian: apt-get install python3-torch) or set ${PYTHON_ENV}`;
}
