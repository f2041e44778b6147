"""A workbench run folder as the torch engine sees it:
  config.json                the run's validated config (written by the workbench)
  prepared/                  written by the workbench (Node), so Python never re-implements
    manifest.json            corpora or tokenizers: vocabSize, token counts, flopsPerTrainToken
    train.bin validation.bin token streams, int32 little-endian
    validation-windows.bin   the validation sample (rows of T+1 tokens), as the tfjs trainer picks it
    tokenizer.json           Hugging Face format (copied into every checkpoint's meta)
    token-texts.json         the text of each token id (snapshot labels)
    init/                    initial weights in checkpoint format (same seed = same weights as tfjs)
  metrics.jsonl, log.txt, snapshots/, checkpoints/   written here exactly as the tfjs engine does
"""
import datetime
import json
import os
import secrets

import numpy as np

from checkpoint import fsync_dir, list_steps, read_dir, step_name, write_dir, write_text_synced


class RunFolder:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.prepared = os.path.join(self.path, "prepared")
        if not os.path.exists(os.path.join(self.path, "config.json")):
            raise FileNotFoundError(f"{self.path} is not a run folder (no config.json)")
        if not os.path.exists(os.path.join(self.prepared, "manifest.json")):
            raise FileNotFoundError(f"{self.path} has no prepared data (prepared/manifest.json): the workbench writes it")

    def config(self):
        return self.read_json("config.json")

    def read_json(self, *parts):
        with open(os.path.join(self.path, *parts), encoding="utf8") as f:
            return json.load(f)

    def manifest(self):
        return self.read_json("prepared", "manifest.json")

    def tokens(self, split):
        return np.fromfile(os.path.join(self.prepared, f"{split}.bin"), dtype="<i4")

    def validation_windows(self, T):
        """The validation sample the workbench chose: int32 rows of T+1 tokens, whole batches."""
        windows = np.fromfile(os.path.join(self.prepared, "validation-windows.bin"), dtype="<i4")
        return windows.reshape(-1, T + 1).astype(np.int64)

    def tokenizer(self):
        return self.read_json("prepared", "tokenizer.json")

    def token_texts(self):
        return self.read_json("prepared", "token-texts.json")

    def initial_weights(self):
        """The workbench's initial weights (checkpoint format), or None."""
        folder = os.path.join(self.prepared, "init")
        return read_dir(folder) if os.path.exists(os.path.join(folder, "meta.json")) else None

    # -- checkpoints --------------------------------------------------------------------------
    def checkpoints_dir(self):
        return os.path.join(self.path, "checkpoints")

    def checkpoint_steps(self):
        return list_steps(self.checkpoints_dir())

    def read_checkpoint(self, step):
        return read_dir(os.path.join(self.checkpoints_dir(), step_name(step)))

    def write_checkpoint(self, step, meta, tensors):
        write_dir(os.path.join(self.checkpoints_dir(), step_name(step)), step, meta, tensors)

    # -- append-only files ---------------------------------------------------------------------
    def append_metrics(self, records):
        if records:
            append_lines(os.path.join(self.path, "metrics.jsonl"), [json.dumps(r) for r in records])

    def truncate_metrics(self, through_step):
        """Drops records past `through_step`: steps after the checkpoint are trained again."""
        path = os.path.join(self.path, "metrics.jsonl")
        if not os.path.exists(path):
            return
        kept = []
        with open(path, encoding="utf8") as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a torn line from a crash
                if record.get("step", 0) <= through_step:
                    kept.append(json.dumps(record) + "\n")
        temp = path + ".tmp"
        write_text_synced(temp, "".join(kept))
        os.replace(temp, path)
        fsync_dir(self.path)

    def log(self, message):
        """Appends `<ISO time> message` to log.txt; returns the line."""
        now = datetime.datetime.now(datetime.timezone.utc)
        line = f"{now.strftime('%Y-%m-%dT%H:%M:%S.')}{now.microsecond // 1000:03d}Z {message}"
        append_lines(os.path.join(self.path, "log.txt"), [line])
        return line

    def write_snapshot(self, step, snapshot):
        folder = os.path.join(self.path, "snapshots")
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, step_name(step) + ".json")
        temp = os.path.join(folder, f".{step_name(step)}.json.tmp-{secrets.token_hex(4)}")
        write_text_synced(temp, json.dumps(snapshot))
        os.replace(temp, target)


def append_lines(path, lines):
    """One write; a torn last line from a crash gets a newline first so new lines parse."""
    prefix = ""
    if os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            prefix = "" if f.read(1) == b"\n" else "\n"
    with open(path, "a", encoding="utf8") as f:
        f.write(prefix + "".join(line + "\n" for line in lines))
