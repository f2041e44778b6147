"""Train a workbench run folder with PyTorch: the same model, sampler, AdamW, schedule, clipping,
metrics, snapshots and checkpoints as the embedded tfjs engine (src/core/train), so either engine
can continue the other's run.

  python3 train.py --run DIR                 one process (CUDA when present, else MPS, else CPU)
  torchrun --nproc_per_node 8 train.py --run DIR
  python3 launch.py --nproc_per_node 8 train.py --run DIR     the same, where torchrun fails (launch.py)
  (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT set by hand work the same way)

Data parallel: every rank draws the same global batch with the shared sampler and trains on its
rows [rank * B/N, (rank+1) * B/N): MoT groups (consecutive rows) stay whole, gradients are averaged,
so dense and MoT train exactly as one process would. A token-choice MoE's capacity is per rank
(computed from the rank's tokens), so MoE with drops differs from one process. Rank 0 writes.
"""
import argparse
import contextlib
import math
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

from checkpoint import from_named_arrays, to_named_arrays  # noqa: E402
from device import KINDS, pick_device  # noqa: E402
from link import ConsoleLink, ParentLink, SilentLink  # noqa: E402
from model import GPT  # noqa: E402
from run_folder import RunFolder  # noqa: E402
from sampler import Rng, sample_windows, sampler_for  # noqa: E402
from snapshot import take_snapshot  # noqa: E402


def learning_rate_at(step, t):
    """Linear warm-up to the peak, then cosine to minLrRatio * peak at the last step (0-based)."""
    peak = t["learningRate"]
    if step < t["warmupSteps"]:
        return peak * (step + 1) / t["warmupSteps"]
    progress = min(1, (step - t["warmupSteps"]) / max(1, t["steps"] - t["warmupSteps"]))
    floor = peak * t["minLrRatio"]
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * progress))


class AdamW:
    """The tfjs engine's AdamW: global-norm clip, bias correction folded into the step, decoupled
    weight decay on matrices only. A parameter without a gradient (an MoE expert that got no
    tokens) is updated with a zero gradient, exactly as there."""

    def __init__(self, params, t):
        self.params, self.t, self.step = params, t, 0
        self.m = {n: torch.zeros_like(p) for n, p in params.items()}
        self.v = {n: torch.zeros_like(p) for n, p in params.items()}

    @torch.no_grad()
    def apply(self, lr):
        t = self.t
        b1, b2, eps, wd = t["beta1"], t["beta2"], t["epsilon"], t["weightDecay"]
        grads = {n: p.grad if p.grad is not None else torch.zeros_like(p) for n, p in self.params.items()}
        norm = torch.sqrt(sum((g.float() ** 2).sum() for g in grads.values())).item()
        clip = t["gradClip"] / norm if 0 < t["gradClip"] < norm else 1.0
        self.step += 1
        c1, root_c2 = 1 - b1**self.step, math.sqrt(1 - b2**self.step)
        scale = lr * root_c2 / c1
        for n, p in self.params.items():
            g, m, v = grads[n], self.m[n], self.v[n]
            m.mul_(b1).add_(g, alpha=(1 - b1) * clip)
            v.mul_(b2).add_(g * g, alpha=(1 - b2) * clip * clip)
            if p.dim() >= 2:
                p.mul_(1 - lr * wd)
            p.sub_(m * scale / (v.sqrt() + eps * root_c2))
        return norm


class Trainer:
    def __init__(self, folder, link, resume, device, rank=0, world=1, precision=None):
        self.folder, self.link, self.device, self.rank, self.world = folder, link, device, rank, world
        self.config = config = folder.config()
        if precision:
            config["train"]["precision"] = precision
        m, t = self.m, self.t = config["model"], config["train"]
        self.manifest = folder.manifest()
        self.train_stream = folder.tokens("train")
        B, T = t["batchSize"], m["contextLength"]
        if B % world:
            raise ValueError(f"train.batchSize ({B}) must be a multiple of the processes ({world})")
        self.local = B // world
        if m["ffn"] == "mot" and self.local % m["mot"]["groupSize"]:
            raise ValueError(f"each of the {world} processes gets {self.local} rows of the batch, not a multiple of "
                             f"model.mot.groupSize ({m['mot']['groupSize']}): MoT groups must stay whole")
        self.validation = folder.validation_windows(T)  # chosen by the workbench (validationWindows)
        self.model = GPT(m, self.manifest["vocabSize"]).to(device)
        self.params = dict(self.model.named_parameters())
        self.optimizer = AdamW(self.params, t)
        self.sampler = sampler_for(t["seed"])
        self.state = {"step": 0, "tokens": 0, "flops": 0, "elapsedMs": 0, "optimizerStep": 0,
                      "samplerRng": self.sampler.state(), "bestValidationLoss": None, "lastValidationLoss": None}
        steps = folder.checkpoint_steps()
        if resume and steps:
            self.restore(*folder.read_checkpoint(steps[-1]))
        else:
            initial = folder.initial_weights()
            if initial is not None:
                self.load("param", initial[1])
        self.last_train_loss = None
        self.pending, self.last_write = [], time.monotonic()  # metrics.jsonl: at most one write a second
        self.ddp = self.model
        if world > 1:
            from torch.nn.parallel import DistributedDataParallel
            self.ddp = DistributedDataParallel(self.model, device_ids=[device.index] if device.type == "cuda" else None)
        precision = t.get("precision", "fp32")
        self.autocast = device.type == "cuda" and precision == "bf16"
        if device.type == "cuda" and precision != "fp32":
            torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True

    def precision(self):
        """bf16 autocast on CUDA when train.precision asks for it; full float32 otherwise."""
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.autocast else contextlib.nullcontext()

    def load(self, prefix, arrays, into=None):
        values = from_named_arrays(self.model, arrays, prefix)
        with torch.no_grad():
            for name, value in values.items():
                (into[name] if into is not None else self.params[name]).copy_(value)

    def restore(self, meta, arrays):
        self.load("param", arrays)
        self.load("adam.m", arrays, self.optimizer.m)
        self.load("adam.v", arrays, self.optimizer.v)
        self.state = dict(meta["state"])
        self.optimizer.step = self.state["optimizerStep"]
        self.sampler = Rng(self.state["samplerRng"])

    def batch(self, windows):
        return torch.from_numpy(windows).to(self.device)

    def train_step(self):
        m, t = self.m, self.t
        started = time.perf_counter()
        windows = sample_windows(self.train_stream, m["contextLength"], t["batchSize"], self.sampler)
        self.state["samplerRng"] = self.sampler.state()
        mine = self.batch(windows[self.rank * self.local : (self.rank + 1) * self.local])
        for p in self.params.values():
            p.grad = None
        with self.precision():
            lm, aux, layers = self.ddp(mine)
        (lm + aux).backward()
        lr = learning_rate_at(self.state["step"], t)
        grad_norm = self.optimizer.apply(lr)
        lm_value, aux_value = self.mean_over_ranks(lm.detach(), aux.detach())
        if not math.isfinite(lm_value + aux_value):
            raise FloatingPointError(f"loss became {lm_value + aux_value} at step {self.state['step'] + 1}: "
                                     "lower train.learningRate or raise train.gradClip protection")
        tokens_per_step = t["batchSize"] * m["contextLength"]
        step_ms = (time.perf_counter() - started) * 1000
        s = self.state
        s["step"] += 1
        s["tokens"] += tokens_per_step
        s["flops"] += tokens_per_step * self.manifest["flopsPerTrainToken"]
        s["elapsedMs"] += step_ms
        s["optimizerStep"] = self.optimizer.step
        self.last_train_loss = lm_value
        return {"type": "train", "step": s["step"], "loss": lm_value + aux_value, "lmLoss": lm_value,
                "auxLoss": aux_value, "learningRate": lr, "gradNorm": grad_norm, "tokens": s["tokens"],
                "flops": s["flops"], "layers": [plain_stats(*layer[:3]) for layer in layers],
                "stepMs": step_ms, "tokensPerSecond": tokens_per_step * 1000 / step_ms, "elapsedMs": s["elapsedMs"],
                "epochs": s["tokens"] / len(self.train_stream)}

    def mean_over_ranks(self, *values):
        packed = torch.stack([v.float() for v in values])
        if self.world > 1:
            dist.all_reduce(packed)
            packed /= self.world
        return [float(x) for x in packed.tolist()]

    @torch.no_grad()
    def evaluate(self):
        B = self.t["batchSize"]
        losses = []
        for start in range(0, len(self.validation), B):
            rows = self.validation[start + self.rank * self.local : start + (self.rank + 1) * self.local]
            with self.precision():
                lm, _, _ = self.model(self.batch(rows))
            losses.append(self.mean_over_ranks(lm)[0])
        s = self.state
        loss = sum(losses) / len(losses)
        s["lastValidationLoss"] = loss
        if s["bestValidationLoss"] is None or loss < s["bestValidationLoss"]:
            s["bestValidationLoss"] = loss
        record = {"type": "eval", "step": s["step"], "tokens": s["tokens"], "flops": s["flops"],
                  "elapsedMs": s["elapsedMs"], "validationLoss": loss,
                  "evalTokens": len(losses) * B * self.m["contextLength"], "epochs": s["tokens"] / len(self.train_stream)}
        # Standard error over batches, as the embedded engine reports it (batches, not tokens, are
        # the independent units: MoT mixes the rows of a batch).
        if len(losses) > 1:
            record["validationStdError"] = statistics.stdev(losses) / math.sqrt(len(losses))
        return record

    def snapshot(self):
        probe = self.validation[: self.t["batchSize"]]
        with torch.no_grad():
            _, _, layers = self.model(self.batch(probe), capture=True, inference=True)
        return take_snapshot(layers, probe, self.folder.token_texts(), self.state["step"])

    def checkpoint(self):
        meta = {"config": self.config, "state": dict(self.state), "tokenizer": self.folder.tokenizer(), "backend": "torch"}
        tensors = to_named_arrays(self.model, {"param": self.params, "adam.m": self.optimizer.m, "adam.v": self.optimizer.v})
        self.folder.write_checkpoint(self.state["step"], meta, tensors)
        self.link.patch({"lastStep": self.state["step"], "tokensSeen": self.state["tokens"], "elapsedMs": self.state["elapsedMs"],
                         **({"bestValidationLoss": self.state["bestValidationLoss"]} if self.state["bestValidationLoss"] is not None else {})})

    def controls(self):
        """(stop, paused) as rank 0 sees them, the same on every rank."""
        c = self.link.controls
        flags = torch.tensor([float(c.stop), float(c.paused)])
        if self.world > 1:
            dist.broadcast(flags, 0)
        return bool(flags[0]), bool(flags[1])

    def run(self):
        t, writer = self.t, self.rank == 0
        last_checkpoint = self.state["step"]
        if self.state["step"] == 0 and writer:
            self.folder.write_snapshot(0, self.snapshot())
        while self.state["step"] < t["steps"]:
            stop, paused = self.controls()
            if stop:
                break
            if paused:
                with self.link.controls.changed:
                    self.link.controls.changed.wait(0.2)
                continue
            record = self.train_step()
            step = self.state["step"]
            last = step == t["steps"]
            records = [record]
            if step % t["evalEvery"] == 0 or last:
                records.append(self.evaluate())
            if writer:
                for r in records:
                    self.link.record(r)
                self.pending.extend(records)
                if step % t["snapshotEvery"] == 0 or last:
                    self.folder.write_snapshot(step, self.snapshot())
                if time.monotonic() - self.last_write > 1:
                    self.write_metrics()
            if step % t["checkpointEvery"] == 0 or last:
                self.save()
                last_checkpoint = step
        if self.state["step"] != last_checkpoint:
            self.save()
        s = self.state
        return {"step": s["step"], "tokens": s["tokens"], "elapsedMs": s["elapsedMs"], "finalTrainLoss": self.last_train_loss,
                "lastValidationLoss": s["lastValidationLoss"], "bestValidationLoss": s["bestValidationLoss"],
                "completed": s["step"] >= t["steps"]}

    def write_metrics(self):
        self.folder.append_metrics(self.pending)
        self.pending, self.last_write = [], time.monotonic()

    def save(self):
        if self.rank == 0:
            self.write_metrics()
            self.checkpoint()


def plain_stats(block, kind, stats):
    out = {"block": block, "kind": kind}
    for key, value in stats.items():
        if torch.is_tensor(value):
            value = value.tolist()
        out[key] = value
    return out


def describe(device, world, precision):
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    fp32 = "" if device.type == "cuda" or precision == "fp32" else f", precision {precision} applies on CUDA only: float32"
    return f"torch {torch.__version__} on {where}, python {sys.version.split()[0]}" + (f", {world} processes" if world > 1 else "") + fp32


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "run"), help="the run folder")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint (default for a folder that has one)")
    parser.add_argument("--fresh", action="store_true", help="start over even if the folder has checkpoints")
    parser.add_argument("--protocol", action="store_true", help="speak the workbench's JSON-lines protocol on stdio")
    parser.add_argument("--evaluate", action="store_true", help="print the validation loss of the last checkpoint and exit")
    parser.add_argument("--bench", type=int, default=0, metavar="STEPS", help="time STEPS steps (after --warmup), print JSON, write nothing")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before --bench")
    parser.add_argument("--precision", choices=("fp32", "tf32", "bf16"), help="override train.precision (CUDA)")
    parser.add_argument("--device", choices=KINDS, help="cpu, cuda or mps (default: cuda when present, else mps, else cpu)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default: torch's choice)")
    args = parser.parse_args()
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    link = ParentLink() if args.protocol and rank == 0 else (SilentLink() if rank else ConsoleLink())
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device, local_rank, world)
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
    link.send({"type": "ready"})
    folder = None
    try:
        folder = RunFolder(args.run)
        if args.evaluate:
            trainer = Trainer(folder, link, True, device, rank, world)
            print(f'{{"step": {trainer.state["step"]}, "validationLoss": {trainer.evaluate()["validationLoss"]!r}}}', file=sys.__stdout__, flush=True)
            return
        trainer = Trainer(folder, link, not args.fresh, device, rank, world, args.precision)
        if args.bench:
            times, cpu_times = [], []  # wall and this process's CPU ms per step
            for index in range(args.warmup + args.bench):
                cpu_start = time.process_time()
                step_ms = trainer.train_step()["stepMs"]
                if index >= args.warmup:
                    times.append(step_ms)
                    cpu_times.append((time.process_time() - cpu_start) * 1000)
            if device.type == "cuda":
                torch.cuda.synchronize()
            params = sum(p.numel() for p in trainer.params.values())
            result = {"msPerStep": statistics.median(times), "cpuMsPerStep": statistics.median(cpu_times), "params": params}
            print(json.dumps(result), file=sys.__stdout__, flush=True)
            return
        if rank == 0:
            folder.truncate_metrics(trainer.state["step"])
            start = trainer.state["step"]
            link.log(folder.log(f"{'resume from step ' + str(start) if start else 'start'} on torch ({describe(device, world, trainer.t.get('precision', 'fp32'))})"))
            link.patch({"status": "running", "elapsedMs": trainer.state["elapsedMs"]})
        summary = trainer.run()
        if rank == 0:
            link.patch({"status": "completed" if summary["completed"] else "stopped", "lastStep": summary["step"],
                        "tokensSeen": summary["tokens"], "elapsedMs": summary["elapsedMs"],
                        **{k: summary[k] for k in ("finalTrainLoss", "bestValidationLoss") if summary[k] is not None}})
            link.log(folder.log(f"{'completed' if summary['completed'] else 'stopped'} at step {summary['step']}"))
            link.finish(summary=summary)
    except Exception as error:  # reported to the parent, then the traceback on stderr
        message = f"{type(error).__name__}: {error}" if not isinstance(error, (ValueError, FloatingPointError, FileNotFoundError)) else str(error)
        if rank == 0:
            link.patch({"status": "failed", "error": message})
            if folder is not None:
                link.log(folder.log(f"failed: {message}"))
            link.finish(error=message)
        raise
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()
    if args.protocol and rank == 0:
        time.sleep(30)  # the parent answers `done` with `exit`; leave anyway after this long


if __name__ == "__main__":
    main()
