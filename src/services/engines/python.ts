/**
 * Finding a Python with PyTorch for the torch engine, and saying what was found. Candidates, in
 * order: an explicit path (the `pythonPath` setting), `MOT_PYTHON`, the active virtualenv or conda
 * environment, `python3` on PATH, `/usr/bin/python3` (Debian's python3-torch installs there, while
 * a pyenv or Homebrew python3 earlier on PATH often has no torch). Each is asked for its version,
 * torch's version, its CUDA devices and whether it sees MPS (Apple GPUs); the first with torch
 * wins. Answers are cached per process.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PythonCandidateReport, PythonSearchReport } from '../../core/api/settings';

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

/** Prints one JSON line; `torch` is null (with the import error) when torch does not load. */
const PROBE_SCRIPT = [
  'import json, sys',
  'info = {"python": sys.version.split()[0], "executable": sys.executable}',
  'try:',
  '    import torch',
  'except Exception as error:',
  '    info.update(torch=None, error=f"{type(error).__name__}: {error}")',
  'else:',
  '    cuda = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []',
  '    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())',
  '    info.update(torch=torch.__version__, cuda=cuda, mps=mps)',
  'print(json.dumps(info))',
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
  const key = cacheKey(explicit);
  let probe = cache.get(key);
  if (!probe) {
    probe = searchCandidates(pythonCandidates(explicit));
    cache.set(key, probe);
  }
  return probe;
}

function cacheKey(explicit: string | undefined): string {
  return `${explicit ?? ''}\0${process.env[PYTHON_ENV] ?? ''}`;
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

/** What one interpreter said about itself: its version and executable, then torch's. */
interface PythonAnswer {
  python: string;
  executable: string;
  torch: string | null;
  cuda?: string[];
  mps?: boolean;
  /** torch's import error, when torch is null. */
  error?: string;
}

/** Runs the probe script; rejects when the interpreter does not start or answers garbage. */
function runProbe(command: string): Promise<PythonAnswer> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      ['-c', PROBE_SCRIPT],
      { timeout: PROBE_TIMEOUT_MS, windowsHide: true },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return reject(new Error('not found'));
          if (code === 'EACCES') return reject(new Error('not executable'));
          if (error.killed) return reject(new Error(`no answer in ${PROBE_TIMEOUT_MS / 1000} s`));
          const said = stderr.trim().split('\n').at(-1) || error.message.split('\n')[0];
          return reject(new Error(clip(`not a working Python (${said})`)));
        }
        try {
          resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as PythonAnswer);
        } catch {
          reject(new Error(clip(`not a Python that answers the probe: ${stdout.trim()}`)));
        }
      },
    );
  });
}

async function askPython(command: string): Promise<Omit<TorchPython, 'command' | 'source'>> {
  const answer = await runProbe(command);
  if (answer.torch === null) throw new Error(noTorchReason(answer));
  return { python: answer.python, torch: answer.torch, cuda: answer.cuda ?? [], mps: !!answer.mps };
}

function clip(text: string, length = 200): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function noTorchReason(answer: PythonAnswer): string {
  const missing = /No module named 'torch'/.test(answer.error ?? '');
  return `no torch (python ${answer.python}${missing ? '' : `: ${answer.error}`})`;
}

/**
 * Asks every candidate (not only up to the first with torch), for a person choosing one: what
 * each is, and which the torch engine would use. Never cached: torch may have been installed
 * since; a new search also drops findTorchPython's cached answers.
 */
export async function searchPythons(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PythonSearchReport> {
  cache.clear();
  const seen = new Set<string>();
  const unique = pythonCandidates(explicit, env).filter(
    (c) => !seen.has(c.command) && seen.add(c.command),
  );
  const candidates = await Promise.all(
    unique.map(async (candidate): Promise<PythonCandidateReport> => {
      try {
        const answer = await runProbe(candidate.command);
        const base = { ...candidate, python: answer.python, executable: answer.executable };
        if (answer.torch === null)
          return { ...base, status: 'rejected', reason: noTorchReason(answer) };
        return {
          ...base,
          status: 'usable',
          torch: answer.torch,
          cuda: answer.cuda ?? [],
          mps: !!answer.mps,
        };
      } catch (error) {
        return { ...candidate, status: 'rejected', reason: (error as Error).message };
      }
    }),
  );
  const chosenIndex = candidates.findIndex((c) => c.status === 'usable');
  const chosen = candidates[chosenIndex];
  if (chosen) chosen.status = 'chosen';
  if (env === process.env) {
    // What findTorchPython would have found, fresh: later lookups need not ask again.
    const before = chosen ? candidates.slice(0, chosenIndex) : candidates;
    cache.set(
      cacheKey(explicit),
      Promise.resolve({
        found: chosen ? (chosen as TorchPython) : null,
        rejected: before.map(({ command, source, reason }) => ({
          command,
          source,
          reason: reason ?? '',
        })),
      }),
    );
  }
  const summary = chosen
    ? describeTorchPython(chosen as TorchPython)
    : describeRejections({
        found: null,
        rejected: candidates.map((c) => ({ ...c, reason: c.reason ?? '' })),
      });
  return { candidates, summary };
}

/** The report as lines for a terminal (`mot backends`), one per candidate. */
export function formatPythonSearch(report: PythonSearchReport): string[] {
  return [
    `torch engine: ${report.summary}`,
    ...report.candidates.map((c) => {
      const mark = c.status === 'chosen' ? '*' : ' ';
      const where = c.executable && c.executable !== c.command ? ` -> ${c.executable}` : '';
      const what =
        c.status === 'rejected'
          ? `rejected: ${c.reason}`
          : `python ${c.python}, torch ${c.torch}, ${devicesOf(c as TorchPython)}${c.status === 'usable' ? ' (usable; an earlier one wins)' : ''}`;
      return `${mark} ${c.source}: ${c.command}${where}: ${what}`;
    }),
  ];
}

/**
 * Checks a value for the `pythonPath` setting: an absolute path to an existing executable file.
 * Returns the path, or throws an Error saying what is wrong with it.
 */
export function checkPythonPath(value: string): string {
  if (!path.isAbsolute(value))
    throw new Error(`must be an absolute path to a Python executable, got "${value}"`);
  let stat;
  try {
    stat = statSync(value);
  } catch {
    throw new Error(`no file at ${value}`);
  }
  if (!stat.isFile()) throw new Error(`${value} is not a file`);
  if (process.platform !== 'win32') {
    try {
      accessSync(value, constants.X_OK);
    } catch {
      throw new Error(`${value} is not executable`);
    }
  }
  return value;
}

/** Forgets findTorchPython's cached answers (after the setting changed). */
export function forgetPythonProbes(): void {
  cache.clear();
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
  return `python ${p.python} (${p.command}, from ${p.source}), torch ${p.torch}, ${devicesOf(p)}`;
}

function devicesOf(p: Pick<TorchPython, 'cuda' | 'mps'>): string {
  return p.cuda.length > 0
    ? `CUDA: ${p.cuda.join(', ')}`
    : p.mps
      ? 'MPS (Apple GPU)'
      : 'no CUDA (CPU)';
}

/** Why no torch was found, one line. */
export function describeRejections(probe: PythonProbe): string {
  const reasons = probe.rejected.map((r) => `${r.command}: ${r.reason}`).join('; ');
  return `no Python with torch found (${reasons}); install PyTorch (Debian: apt-get install python3-torch) or choose one in Settings (or set ${PYTHON_ENV})`;
}
