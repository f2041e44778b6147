#!/usr/bin/env bash
# Writes the two GPU-check packages (the desktop reference and the paper's proof of concept) into
# DIR; copy DIR to the GPU machine and run `python3 DIR/poc/gpu_check.py DIR/desktop DIR/poc`.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: scripts/gpu-check/export.sh DIR}"
node bin/mot.js export --config scripts/gpu-check/desktop.json --out "$out/desktop"
node bin/mot.js export --config scripts/gpu-check/poc.json --out "$out/poc"
echo "now: python3 $out/poc/gpu_check.py $out/desktop $out/poc" >&2
