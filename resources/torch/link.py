"""The parent link: the workbench's trainer protocol (src/services/run-manager/protocol.ts) as JSON
lines over stdio. The parent writes `start`, `pause`, `resume`, `stop`, `exit` on our stdin; we
write `ready`, `progress`, `patch`, `log`, `done`, `failed` on the protocol stream, which is the
original stdout: sys.stdout is pointed at stderr so a stray print can never corrupt the stream.

Without a parent (`python3 train.py` by hand, torchrun, SLURM) the link prints progress lines on
stderr and turns SIGINT / SIGTERM into `stop`.
"""
import json
import os
import signal
import sys
import threading
import time

PROGRESS_INTERVAL_S = 0.1


class Controls:
    """What the parent asked for; the training loop reads it between steps."""

    def __init__(self):
        self.stop = False
        self.paused = False
        self.start = None  # the start message, once it came
        self.changed = threading.Condition()

    def set(self, **values):
        with self.changed:
            for key, value in values.items():
                setattr(self, key, value)
            self.changed.notify_all()

    def wait_for_start(self):
        with self.changed:
            while self.start is None:
                self.changed.wait()
            return self.start


class ParentLink:
    def __init__(self):
        self.stream = os.fdopen(os.dup(1), "w", encoding="utf8", buffering=1)
        os.dup2(2, 1)  # prints go to stderr from now on
        sys.stdout = sys.stderr
        self.controls = Controls()
        self.lock = threading.Lock()
        self.records, self.last_flush = [], 0.0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in sys.stdin:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "start":
                self.controls.set(start=message)
            elif kind == "pause":
                self.controls.set(paused=True)
            elif kind == "resume":
                self.controls.set(paused=False)
            elif kind == "stop":
                self.controls.set(stop=True, paused=False)
            elif kind == "exit":
                os._exit(0)
        os._exit(1)  # the parent went away: nobody will record what we do next

    def send(self, message):
        with self.lock:
            self.stream.write(json.dumps(message) + "\n")

    def record(self, record):
        """Metric records travel in `progress` batches, about 10 a second."""
        self.records.append(record)
        if time.monotonic() - self.last_flush > PROGRESS_INTERVAL_S:
            self.flush()

    def flush(self):
        if self.records:
            batch, self.records = self.records, []
            self.send({"type": "progress", "records": batch})
        self.last_flush = time.monotonic()

    def patch(self, patch):
        self.flush()  # records first: a status never runs ahead of the metrics behind it
        self.send({"type": "patch", "patch": patch})

    def log(self, line):
        self.send({"type": "log", "line": line})

    def finish(self, summary=None, error=None):
        self.flush()
        self.send({"type": "failed", "message": error} if error else {"type": "done", "summary": summary})


class ConsoleLink:
    """No parent: human progress on stderr, Ctrl-C stops after the step with a checkpoint."""

    def __init__(self, quiet=False):
        self.controls = Controls()
        self.quiet = quiet
        self.last_print = 0.0
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.controls.set(stop=True))

    def send(self, message):
        pass

    def record(self, r):
        if self.quiet or r["type"] != "train" or time.monotonic() - self.last_print < 1:
            return
        self.last_print = time.monotonic()
        print(f"step {r['step']}  loss {r['lmLoss']:.4f}  lr {r['learningRate']:.2e}  "
              f"{r['tokensPerSecond']:.0f} tok/s  {r['stepMs']:.0f} ms/step", file=sys.stderr, flush=True)

    def flush(self):
        pass

    def patch(self, patch):
        pass

    def log(self, line):
        if not self.quiet:
            print(line, file=sys.stderr, flush=True)

    def finish(self, summary=None, error=None):
        if summary is not None:
            print(json.dumps(summary), flush=True)


class SilentLink(ConsoleLink):
    """Ranks other than 0: rank 0 reports for everyone."""

    def __init__(self):
        super().__init__(quiet=True)

    def finish(self, summary=None, error=None):
        pass
