"""The workbench's checkpoint format, shared with the tfjs engine (src/services/store/checkpoint.ts):
`checkpoints/step-<8 digits>/` holding `meta.json` ({format, version, step, meta, tensors: index})
and `tensors.bin` (float32 little-endian, back to back). Folders appear whole: written under a
dotted temp name, fsynced, renamed into place.

Tensor names are `param/<name>`, `adam.m/<name>`, `adam.v/<name>` with the tfjs engine's parameter
names; experts are one [E, d, f] tensor here and E tensors `<layer>.W1.<e>` there.
"""
import json
import os
import secrets
import shutil

import numpy as np
import torch

FORMAT, VERSION = "mot-checkpoint", 1


def step_name(step):
    return f"step-{step:08d}"


def list_steps(checkpoints_dir):
    """Steps with a complete checkpoint folder, ascending (dotted temp folders are skipped)."""
    if not os.path.isdir(checkpoints_dir):
        return []
    steps = []
    for name in os.listdir(checkpoints_dir):
        full = os.path.join(checkpoints_dir, name)
        if name.startswith("step-") and name[5:].isdigit() and is_complete(full):
            steps.append(int(name[5:]))
    return sorted(steps)


def is_complete(folder):
    return all(os.path.exists(os.path.join(folder, f)) for f in ("meta.json", "tensors.bin"))


def read_dir(folder):
    """-> (meta, {name: float32 ndarray}); checks the index against the bytes."""
    with open(os.path.join(folder, "meta.json"), encoding="utf8") as f:
        doc = json.load(f)
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise ValueError(f"{folder}: not a version {VERSION} {FORMAT}")
    blob = np.fromfile(os.path.join(folder, "tensors.bin"), dtype="<f4")
    tensors = {}
    for entry in doc["tensors"]:
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if entry["byteLength"] != 4 * count or entry["byteOffset"] % 4:
            raise ValueError(f"{folder}: bad index entry for {entry['name']}")
        start = entry["byteOffset"] // 4
        if start + count > blob.size:
            raise ValueError(f"{folder}/tensors.bin is truncated")
        tensors[entry["name"]] = blob[start : start + count].reshape(entry["shape"])
    return doc["meta"], tensors


def write_dir(folder, step, meta, tensors):
    """Writes (or replaces) a checkpoint folder durably. tensors: list of (name, ndarray)."""
    parent = os.path.dirname(folder)
    os.makedirs(parent, exist_ok=True)
    index, offset = [], 0
    for name, array in tensors:
        index.append({"name": name, "shape": list(array.shape), "byteOffset": offset, "byteLength": 4 * array.size})
        offset += 4 * array.size
    temp = os.path.join(parent, f".{os.path.basename(folder)}.tmp-{secrets.token_hex(4)}")
    os.mkdir(temp)
    try:
        with open(os.path.join(temp, "tensors.bin"), "wb") as f:
            for _, array in tensors:
                f.write(np.ascontiguousarray(array, dtype="<f4").tobytes())
            f.flush()
            os.fsync(f.fileno())
        doc = {"format": FORMAT, "version": VERSION, "step": step, "meta": meta, "tensors": index}
        write_text_synced(os.path.join(temp, "meta.json"), json.dumps(doc))
        fsync_dir(temp)
        aside = None
        if os.path.exists(folder):
            aside = os.path.join(parent, f".{os.path.basename(folder)}.old-{secrets.token_hex(4)}")
            os.rename(folder, aside)
        os.rename(temp, folder)
        fsync_dir(parent)
        if aside:
            shutil.rmtree(aside, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def write_text_synced(path, text):
    with open(path, "w", encoding="utf8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def is_stacked(model, name):
    """Expert weights: one [E, ...] tensor here, E tensors `<name>.<e>` in the tfjs engine."""
    return name.endswith((".W1", ".W2")) and model.get_parameter(name).dim() == 3


def to_named_arrays(model, tensors_by_prefix):
    """{prefix: {torch name: tensor}} -> [(checkpoint name, float32 ndarray)] in tfjs naming."""
    out = []
    for prefix, by_name in tensors_by_prefix.items():
        for name, t in by_name.items():
            array = t.detach().float().cpu().numpy()
            if is_stacked(model, name):
                out.extend((f"{prefix}/{name}.{e}", array[e]) for e in range(array.shape[0]))
            else:
                out.append((f"{prefix}/{name}", array))
    return out


def from_named_arrays(model, arrays, prefix):
    """{checkpoint name: ndarray} -> {torch name: tensor} for every parameter of `model`."""
    out = {}
    for name, p in model.named_parameters():
        if is_stacked(model, name):
            parts = [arrays.get(f"{prefix}/{name}.{e}") for e in range(p.shape[0])]
            if any(part is None for part in parts):
                raise ValueError(f"checkpoint has no tensor {prefix}/{name}.<e>: it was written for another model")
            value = np.stack(parts)
        else:
            value = arrays.get(f"{prefix}/{name}")
            if value is None:
                raise ValueError(f"checkpoint has no tensor {prefix}/{name}: it was written for another model")
        if tuple(value.shape) != tuple(p.shape):
            raise ValueError(f"checkpoint tensor {prefix}/{name} has shape {list(value.shape)}, the model needs {list(p.shape)}")
        out[name] = torch.from_numpy(np.array(value, dtype=np.float32))
    return out
