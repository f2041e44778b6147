"""The workbench's model family in PyTorch: a GPT-style decoder whose FFN is dense, Mixture of
Tokens (MoT) or a sparse MoE (token choice or expert choice), chosen per block by `placement`.

Written from the project's MOT.md and its tfjs engine (src/core/model). Parameters carry the
tfjs engine's names and layouts ([in, out] matrices, used as x @ W), so a checkpoint moves between
the engines by name; only the experts differ: one [E, d, f] tensor here, E tensors W1.0 .. W1.{E-1}
there (checkpoint.py converts).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def block_kinds(m):
    """The FFN kind of every block: `m["ffn"]` where `placement` puts it, dense elsewhere."""
    n, placement = m["layers"], m["placement"]
    if m["ffn"] == "dense":
        chosen = set()
    elif placement == "all":
        chosen = set(range(n))
    elif placement == "second-half":
        chosen = set(range(n // 2, n))
    else:
        chosen = set(placement)
    return [m["ffn"] if i in chosen else "dense" for i in range(n)]


def mot_expert_width(m):
    """FLOP matching (MOT.md): E * f = g * dFF."""
    mot = m["mot"]
    return mot["expertWidth"] or mot["groupSize"] * m["dFF"] // mot["experts"]


def moe_expert_width(m):
    """Matched active compute for token choice: topK * f = dFF."""
    moe = m["moe"]
    return moe["expertWidth"] or m["dFF"] // moe["topK"]


TRUNCATION = {"mode": "scale"}  # model.initTruncation of the model being built (GPT sets it)


def truncated_normal(shape, scale, fan_in):
    """std = sqrt(scale / fan_in), cut at +-2 * scale in absolute terms (`scale`, the authors'
    trunc_normal_, in effect untruncated) or at +-2 std (`std`), as the tfjs engine's Params."""
    t = torch.empty(shape)
    std = math.sqrt(scale / fan_in)
    bound = 2 * scale if TRUNCATION["mode"] == "scale" else 2 * std
    nn.init.trunc_normal_(t, std=std, a=-bound, b=bound)
    return nn.Parameter(t)


class LayerNorm(nn.Module):
    """Over the last axis with a learned gain and bias; population variance, eps 1e-5."""

    def __init__(self, d):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):  # (..., d)
        return F.layer_norm(x, (x.shape[-1],), self.gain, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    """Multi-head causal attention without biases; one fused [d, 3d] projection."""

    def __init__(self, d, heads, scale):
        super().__init__()
        self.heads = heads
        self.qkv = truncated_normal((d, 3 * d), scale, d)
        self.out = truncated_normal((d, d), scale, d)

    def forward(self, x):  # (B, T, d)
        B, T, d = x.shape
        q, k, v = (x @ self.qkv).split(d, dim=-1)
        q, k, v = (t.view(B, T, self.heads, d // self.heads).transpose(1, 2) for t in (q, k, v))  # (B, H, T, hd)
        if hasattr(F, "scaled_dot_product_attention"):  # torch >= 2: fused kernels on GPUs
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = (q * (1 / math.sqrt(d // self.heads))) @ k.transpose(-1, -2)  # (B, H, T, T)
            future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
            y = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1) @ v
        return y.transpose(1, 2).reshape(B, T, d) @ self.out  # heads side by side


class DenseFfn(nn.Module):
    kind = "dense"

    def __init__(self, d, dff, scale):
        super().__init__()
        self.W1 = truncated_normal((d, dff), scale, d)
        self.W2 = truncated_normal((dff, d), scale, dff)

    def forward(self, x, capture=False, inference=False):  # (B, T, d)
        return torch.relu(x @ self.W1) @ self.W2, None, None


class Experts(nn.Module):
    """E expert MLPs d -> f -> d (ReLU, no biases), run as two batched products."""

    def __init__(self, d, f, E, scale):
        super().__init__()
        self.W1 = truncated_normal((E, d, f), scale, d)
        self.W2 = truncated_normal((E, f, d), scale, f)

    def run(self, x):  # (E, n, d) -> (E, n, d)
        return torch.bmm(torch.relu(torch.bmm(x, self.W1)), self.W2)


class MotFfn(Experts):
    """Mixture of Tokens (MOT.md). Groups: for each position t, batch rows k*g .. k*g+g-1.
    z = x C; w = softmax over the group of z / tau; m_e = sum_i w[i,e] x_i;
    y_e = ReLU(m_e W1[e]) W2[e]; out_i = sum_e w[i,e] y_e. No renormalisation across experts."""

    kind = "mot"

    def __init__(self, d, f, mot):
        super().__init__(d, f, mot["experts"], mot["initScale"])
        self.g, self.E, self.tau = mot["groupSize"], mot["experts"], mot["temperature"]
        self.C = truncated_normal((d, self.E), mot["initScale"], d)

    def forward(self, x, capture=False, inference=False):  # (B, T, d)
        B, T, d = x.shape
        g, E = self.g, self.E
        if B % g:
            raise ValueError(f"MoT needs the batch ({B}) to be a multiple of the group size ({g})")
        K = B // g
        logits = x @ self.C  # (B, T, E)
        grouped = logits.view(K, g, T, E).transpose(1, 2)  # (K, T, g, E): group (k, t), slot i
        w = torch.softmax(at_least_fp32(grouped) / self.tau, dim=2).to(x.dtype)  # over the group
        tokens = x.view(K, g, T, d).transpose(1, 2)  # (K, T, g, d)
        mixes = w.transpose(-1, -2) @ tokens  # (K, T, E, d)
        y = self.run(mixes.reshape(K * T, E, d).transpose(0, 1))  # (E, K*T, d)
        out = w @ y.transpose(0, 1).reshape(K, T, E, d)  # (K, T, g, d)
        out = out.transpose(1, 2).reshape(B, T, d)
        stats = mix_stats(w.detach().float(), logits.detach().float(), g)
        return out, None, (stats, w.detach() if capture else None)


def at_least_fp32(t):
    """Softmaxes run in float32 even under bf16 autocast (float64 stays float64)."""
    return t.to(torch.promote_types(t.dtype, torch.float32))


def mix_stats(w, logits, g):
    """Per expert: H(w[:,e]) / log g and max weight, averaged over groups; logit mean and std."""
    entropy = -(w * (w + 1e-12).log()).sum(2).reshape(-1, w.shape[-1]).mean(0)  # (E,)
    return {
        "mixEntropy": entropy / math.log(g) if g > 1 else entropy * 0,
        "maxWeight": w.max(2).values.reshape(-1, w.shape[-1]).mean(0),
        "logitMean": logits.mean(),
        "logitStd": logits.var(unbiased=False).sqrt(),
    }


class MoeFfn(Experts):
    """Sparse MoE. Token choice (Switch for topK 1): softmax over experts per token, top-k, an
    expert takes at most floor(capacityFactor * N * topK / E) tokens in capacity order: first
    every token's 1st choice, then every 2nd choice, ...; within one choice, tokens in flattened
    order b*T + t (so within a rank earlier examples and positions win). Expert choice (causal,
    MOT.md): per position, across the batch, expert e takes the c = floor(capacityFactor * B / E)
    tokens with the highest p(e | token), ties to the lower batch row; its output goes through a
    LayerNorm.
    Output: sum over the experts that took a token of p(e | token) * expert_e(token)."""

    kind = "moe"

    def __init__(self, d, f, moe):
        super().__init__(d, f, moe["experts"], moe["initScale"])
        self.cfg = moe
        self.E = moe["experts"]
        self.expert_choice = moe.get("router", "token-choice") == "expert-choice"
        self.router = truncated_normal((d, self.E), moe["initScale"], d)
        if self.expert_choice:
            self.out_norm = LayerNorm(d)

    def forward(self, x, capture=False, inference=False):  # (B, T, d)
        B, T, d = x.shape
        N, E = B * T, self.E
        logits = at_least_fp32(x @ self.router)  # (B, T, E)
        probs = torch.softmax(logits, dim=-1)
        route = self.choose_per_position if self.expert_choice else self.route_tokens
        expert, token, stats, first_choice = route(probs.reshape(N, E), B, T, inference)
        flat = x.reshape(N, d)
        y = self.run_pairs(flat[token], expert)  # (pairs, d)
        gate = probs.reshape(N, E)[token, expert].to(y.dtype)
        out = flat.new_zeros(N, d).index_add(0, token, y * gate[:, None]).view(B, T, d)
        if self.expert_choice:
            out = self.out_norm(out)
        lb = self.load_balance(probs.reshape(N, E), first_choice)
        z = torch.logsumexp(logits.reshape(N, E), dim=-1).square().mean()
        aux = lb * self.cfg["loadBalanceWeight"] + z * self.cfg["routerZLossWeight"]
        taken = torch.bincount(token, minlength=N)
        stats.update({
            "load": torch.bincount(expert, minlength=E).float() / N,
            "takenByNone": (taken == 0).float().mean(),
            "takenByOne": (taken == 1).float().mean(),
            "takenBySeveral": (taken > 1).float().mean(),
            "loadBalanceLoss": lb.detach(),
            "routerZLoss": z.detach(),
        })
        return out, aux, (stats, (expert, token, B, T) if capture else None)

    def run_pairs(self, inputs, expert):
        """Expert `expert[i]` on row i. Batched through an [E, C, d] buffer (C = the fullest
        expert's count) when padding is cheap, as in training with a capacity; one expert at a time
        when it is not (inference without capacity: one expert may take every token)."""
        E, pairs, d = self.E, inputs.shape[0], inputs.shape[1]
        slot = slots_within_expert(expert, E)
        C = int(slot.max().item()) + 1 if pairs else 1
        if E * C <= 2 * pairs + E:
            buffer = inputs.new_zeros(E * C, d).index_copy(0, expert * C + slot, inputs)
            return self.run(buffer.view(E, C, d)).reshape(E * C, d)[expert * C + slot]
        out = inputs.new_zeros(pairs, d)
        for e in range(E):
            rows = (expert == e).nonzero().squeeze(1)
            if rows.numel():
                hidden = torch.relu(inputs[rows] @ self.W1[e])
                out = out.index_copy(0, rows, hidden @ self.W2[e])
        return out

    def route_tokens(self, probs, B, T, inference):
        """Token choice: returns (expert, token) pairs kept, in capacity order."""
        N, E, k = B * T, self.E, self.cfg["topK"]
        capacity = N if inference else max(1, math.floor(self.cfg["capacityFactor"] * N * k / E))
        order = torch.sort(probs, dim=-1, descending=True, stable=True).indices[:, :k]  # (N, k)
        expert = order.t().reshape(-1)  # choice-major: all 1st choices, then all 2nd, ...
        token = torch.arange(N, device=probs.device).repeat(k)
        keep = slots_within_expert(expert, E) < capacity
        stats = {"capacity": capacity, "droppedFraction": (~keep).float().mean()}
        counted = expert if self.cfg.get("balanceChoices", "all") == "all" else order[:, 0]
        return expert[keep], token[keep], stats, counted

    def choose_per_position(self, probs, B, T, inference):
        """Causal expert choice: at each position, each expert takes its top-c of the B tokens."""
        E = self.E
        c = min(B, max(1, math.floor(self.cfg["capacityFactor"] * B / E)))
        by_position = probs.view(B, T, E).permute(1, 2, 0)  # (T, E, B)
        # Ties to the lower batch row, as the tfjs engine: sequences that begin alike give equal
        # probabilities at their shared positions, and torch.topk breaks such ties arbitrarily.
        rows = torch.sort(by_position, dim=-1, descending=True, stable=True).indices[..., :c]  # (T, E, c)
        t = torch.arange(T, device=probs.device).view(T, 1, 1)
        e = torch.arange(E, device=probs.device).view(1, E, 1)
        token = (rows * T + t).reshape(-1)
        expert = e.expand(T, E, c).reshape(-1)
        taken = torch.bincount(token, minlength=B * T)
        stats = {"capacity": c, "droppedFraction": (taken == 0).float().mean()}
        return expert, token, stats, probs.argmax(-1)

    def load_balance(self, probs, counted):
        """Switch: E * sum_e f_e P_e, f_e = share of the counted (token, choice) pairs that chose e
        (all k choices as the authors count, or the first: moe.balanceChoices), P_e = mean prob."""
        if self.expert_choice:
            return probs.new_zeros(())
        share = torch.bincount(counted, minlength=self.E).float() / counted.numel()
        return (share * probs.mean(0)).sum() * self.E


def slots_within_expert(expert, E):
    """For each pair in order, how many earlier pairs went to the same expert (its queue slot)."""
    onehot = F.one_hot(expert, E)
    return ((onehot.cumsum(0) - 1) * onehot).sum(-1)


class Block(nn.Module):
    def __init__(self, m, kind):
        super().__init__()
        d = m["dModel"]
        self.norm1, self.norm2 = LayerNorm(d), LayerNorm(d)
        self.attention = CausalSelfAttention(d, m["heads"], m["initScale"])
        if kind == "mot":
            self.ffn = MotFfn(d, mot_expert_width(m), m["mot"])
        elif kind == "moe":
            self.ffn = MoeFfn(d, moe_expert_width(m), m["moe"])
        else:
            self.ffn = DenseFfn(d, m["dFF"], m["initScale"])

    def forward(self, h, capture, inference):
        h = h + self.attention(self.norm1(h))
        y, aux, report = self.ffn(self.norm2(h), capture, inference)
        return h + y, aux, report


class Embeddings(nn.Module):
    def __init__(self, vocab, context, d):
        super().__init__()
        std = 0.02
        self.tokens = truncated_normal((vocab, d), 1, 1 / std**2)
        self.positions = truncated_normal((context, d), 1, 1 / std**2)

    def forward(self, ids):  # (B, T) -> (B, T, d)
        return self.tokens[ids] + self.positions[: ids.shape[1]]


class GPT(nn.Module):
    """Token + position embeddings, pre-LN blocks, final LayerNorm, untied head [d, V]."""

    def __init__(self, m, vocab):
        super().__init__()
        self.m = m
        TRUNCATION["mode"] = m.get("initTruncation", "scale")
        self.embed = Embeddings(vocab, m["contextLength"], m["dModel"])
        self.blocks = nn.ModuleList(Block(m, kind) for kind in block_kinds(m))
        self.final_norm = LayerNorm(m["dModel"])
        self.head = truncated_normal((m["dModel"], vocab), m["initScale"], m["dModel"])

    def forward(self, windows, capture=False, inference=False):
        """windows (B, T+1): inputs columns 0..T-1, targets 1..T. Returns the mean next-token
        cross-entropy (nats), the summed MoE auxiliary loss, and per-layer (block, kind, stats, captured)."""
        ids, targets = windows[:, :-1], windows[:, 1:]
        h = self.embed(ids)
        aux = h.new_zeros((), dtype=torch.float32)
        layers = []
        for i, block in enumerate(self.blocks):
            h, a, report = block(h, capture, inference)
            if a is not None:
                aux = aux + a
            if report is not None:
                layers.append((i, block.ffn.kind, *report))
        logits = self.final_norm(h) @ self.head  # (B, T, V)
        lm = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return lm, aux, layers
