"""Mixing snapshots in the workbench's format (src/core/train/snapshot.ts): on the fixed probe batch
(the first validation batch), each MoT layer's weights for the first two groups at up to eight
evenly spaced positions, and each MoE layer's load."""

SNAPSHOT_GROUPS = 2
SNAPSHOT_POSITIONS = 8


def spaced_positions(T, count):
    n = min(T, count)
    seen = []
    for i in range(n):
        # Math.round of the TypeScript: halves go up
        p = int((i * (T - 1)) / max(1, n - 1) + 0.5)
        if p not in seen:
            seen.append(p)
    return seen


def take_snapshot(layers, probe, token_texts, step):
    """layers: the model's (block, kind, stats, captured); probe: (B, T+1) int windows."""
    inputs = probe[:, :-1]
    T = inputs.shape[1]
    out = []
    for block, kind, stats, captured in layers:
        if kind == "mot" and captured is not None:
            w = captured.float().cpu()  # (K, T, g, E)
            K, _, g, E = w.shape
            cells = []
            for k in range(min(K, SNAPSHOT_GROUPS)):
                for t in spaced_positions(T, SNAPSHOT_POSITIONS):
                    examples = [k * g + i for i in range(g)]
                    ids = [int(inputs[b][t]) for b in examples]
                    cells.append({"group": k, "position": t, "examples": examples, "tokenIds": ids,
                                  "tokenTexts": [token_texts[i] for i in ids], "weights": w[k, t].tolist()})
            out.append({"block": block, "kind": "mot", "groupSize": g, "experts": E, "cells": cells})
        elif kind == "moe":
            load = stats["load"].tolist()
            out.append({"block": block, "kind": "moe", "experts": len(load), "load": load})
    return {"step": step, "layers": out}
