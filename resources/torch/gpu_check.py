"""GPU check: train exported packages on CUDA for a few steps and print speed and MFU.

On a machine with the workbench (see scripts/gpu-check/export.sh):
  mot export --config scripts/gpu-check/desktop.json --out gpu/desktop
  mot export --config scripts/gpu-check/poc.json     --out gpu/poc
then on the GPU machine (Python and torch only):
  python3 gpu/poc/gpu_check.py gpu/desktop gpu/poc [--steps 20] [--precision bf16] [--peak-tflops P]

Prints one JSON line per package: tokens/s, ms/step (median), and MFU = achieved training FLOP/s
(the workbench's count: 3x forward, MoT mixing included) over the card's dense bf16 peak. Nothing
is written into the packages.
"""
import argparse
import json
import os
import subprocess
import sys

import torch

# Dense (no sparsity) bf16 tensor-core peaks, TFLOP/s, from the vendors' data sheets.
BF16_PEAK_TFLOPS = {"H200": 989.4, "H100 SXM": 989.4, "H100 PCIe": 756.0, "H100": 989.4, "A100": 312.0,
                    "L40S": 362.1, "L4": 121.0, "A10G": 70.0, "A10": 125.0, "RTX 4090": 165.2}


def card_peak(name):
    for key, value in BF16_PEAK_TFLOPS.items():
        if key.lower() in name.lower():
            return value
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("packages", nargs="+", help="exported folders (each with train.py and run/)")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--precision", default="bf16", choices=("fp32", "tf32", "bf16"))
    p.add_argument("--peak-tflops", type=float, default=None, help="the card's bf16 peak, if not in the table")
    a = p.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu_check: torch sees no CUDA device")
    card = torch.cuda.get_device_name(0)
    peak = a.peak_tflops or card_peak(card)
    for package in a.packages:
        run = os.path.join(package, "run")
        config = json.load(open(os.path.join(run, "config.json")))
        manifest = json.load(open(os.path.join(run, "prepared", "manifest.json")))
        out = subprocess.run([sys.executable, os.path.join(package, "train.py"), "--run", run, "--device", "cuda",
                              "--bench", str(a.steps), "--warmup", str(a.warmup), "--precision", a.precision],
                             check=True, capture_output=True, text=True).stdout
        bench = json.loads(out.strip().splitlines()[-1])
        tokens = config["train"]["batchSize"] * config["model"]["contextLength"]
        tokens_per_s = tokens * 1000 / bench["msPerStep"]
        achieved = tokens_per_s * manifest["flopsPerTrainToken"] / 1e12
        print(json.dumps({"package": package, "name": config["name"], "card": card, "torch": torch.__version__,
                          "precision": a.precision, "msPerStep": round(bench["msPerStep"], 2),
                          "tokensPerSecond": round(tokens_per_s), "trainTflops": round(achieved, 2),
                          "peakTflops": peak, "mfu": round(achieved / peak, 4) if peak else None,
                          "params": bench["params"]}), flush=True)


if __name__ == "__main__":
    main()
