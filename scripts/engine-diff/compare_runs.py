"""Where do two runs of one config part ways? For two run folders (e.g. the same config trained on
tfjs and on torch, checkpointed every step: train.checkpointEvery 1), per step: the train-loss
difference, and per parameter the largest relative difference of the weights and of Adam's first
moment (at step 1 that is (1 - beta1) times the clipped gradient, so equal moments mean equal
gradients from equal weights). Stops at the first step whose loss differs by more than --tolerance.

  python3 scripts/engine-diff/compare_runs.py RUN_A RUN_B [--tolerance 1e-4] [--top 5]

Needs numpy and torch (it reads the checkpoints with resources/torch/checkpoint.py).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "torch"))
from checkpoint import list_steps, read_dir, step_name  # noqa: E402


def train_losses(run):
    with open(os.path.join(run, "metrics.jsonl"), encoding="utf8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return {r["step"]: r["loss"] for r in records if r.get("type") == "train"}


def relative_differences(a, b, prefix):
    """name -> max |a - b| / max |a| over the tensors whose names start with prefix/."""
    out = {}
    for name in sorted(a):
        if name.startswith(prefix + "/") and name in b:
            x, y = (np.asarray(t, dtype=np.float64) for t in (a[name], b[name]))
            out[name[len(prefix) + 1 :]] = float(np.abs(x - y).max() / (np.abs(x).max() + 1e-30))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs=2, help="two run folders")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="loss difference that counts as parting ways")
    parser.add_argument("--top", type=int, default=5, help="parameters listed per step, largest difference first")
    args = parser.parse_args()
    a, b = args.runs
    losses_a, losses_b = train_losses(a), train_losses(b)
    steps = sorted(set(list_steps(os.path.join(a, "checkpoints"))) & set(list_steps(os.path.join(b, "checkpoints"))))
    for step in sorted(set(losses_a) & set(losses_b)):
        gap = losses_a[step] - losses_b[step]
        print(f"step {step}: loss {losses_a[step]:.6f} vs {losses_b[step]:.6f} ({gap:+.2e})")
        if step in steps:
            _, ta = read_dir(os.path.join(a, "checkpoints", step_name(step)))
            _, tb = read_dir(os.path.join(b, "checkpoints", step_name(step)))
            for prefix in ("param", "adam.m"):
                diffs = sorted(relative_differences(ta, tb, prefix).items(), key=lambda kv: -kv[1])
                listed = ", ".join(f"{name} {d:.1e}" for name, d in diffs[: args.top])
                print(f"  {prefix} after step {step}, largest relative differences: {listed}")
        if abs(gap) > args.tolerance:
            print(f"first step past {args.tolerance:g}: {step}")
            return
    print(f"no step differs by more than {args.tolerance:g}")


if __name__ == "__main__":
    main()
