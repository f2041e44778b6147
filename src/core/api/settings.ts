/**
 * App settings as the API shows and changes them, and the report of the search for a Python
 * with PyTorch (the torch engine). Pure types: the Node side fills them in.
 */

export interface AppSettings {
  /** How many runs train at once (1 to 64). */
  trainingConcurrency: number;
  /** The Python the torch engine runs (an absolute path to an executable), or null: searched for. */
  pythonPath: string | null;
}

/** One interpreter the search asked about, in the order it asks. */
export interface PythonCandidateReport {
  /** As configured or found: a path, or a command looked up on PATH (`python3`). */
  command: string;
  /** Where it came from: setting, MOT_PYTHON, VIRTUAL_ENV, CONDA_PREFIX, PATH, system. */
  source: string;
  /** `chosen`: the torch engine uses it; `usable`: has torch, but an earlier one wins. */
  status: 'chosen' | 'usable' | 'rejected';
  /** Interpreter version, when it started at all. */
  python?: string;
  /** The executable it reported (sys.executable), when it started. */
  executable?: string;
  torch?: string;
  /** CUDA device names (empty: none). */
  cuda?: string[];
  mps?: boolean;
  /** Why it was rejected: not found, no torch, or its error. */
  reason?: string;
}

export interface PythonSearchReport {
  candidates: PythonCandidateReport[];
  /** One line: what the torch engine would use, or why there is none. */
  summary: string;
}
