"""Properties of the torch engine's layers (MOT.md, "Properties a correct implementation has"),
checked on small random shapes in float64. Run by model.test.ts with the engine folder as argv[1];
prints one JSON line naming each property checked, or exits non-zero with the failed assertion."""
import json
import sys

import torch

sys.path.insert(0, sys.argv[1])
from model import MoeFfn, MotFfn, slots_within_expert  # noqa: E402

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
checked = []


def mot_layer(g, E=3, d=5, f=4, tau=1.0):
    return MotFfn(d, f, {"groupSize": g, "experts": E, "temperature": tau, "initScale": 1.0}).double()


def loop_form(layer, x):
    """The equations one group at a time: group k at position t is rows k*g .. k*g+g-1."""
    B, T, d = x.shape
    g, out = layer.g, torch.zeros_like(x)
    for t in range(T):
        for k in range(B // g):
            xs = x[k * g : (k + 1) * g, t]  # (g, d)
            w = torch.softmax(xs @ layer.C / layer.tau, dim=0)  # (g, E), over the group
            for e in range(layer.E):
                m = w[:, e] @ xs
                y = torch.relu(m @ layer.W1[e]) @ layer.W2[e]
                out[k * g : (k + 1) * g, t] += w[:, e, None] * y
    return out


x = torch.randn(6, 4, 5)
layer = mot_layer(g=3)
assert torch.allclose(layer(x)[0], loop_form(layer, x), atol=1e-10)
checked.append("mot loop form equals batched form")

y0 = layer(x)[0]
x2 = x.clone()
x2[4, 2] += 1.0  # row 4 is in group 1 (rows 3..5), position 2
changed = (layer(x2)[0] - y0).abs().sum(-1) > 1e-12  # (B, T)
expected = torch.zeros(6, 4, dtype=torch.bool)
expected[3:6, 2] = True
assert torch.equal(changed, expected), changed
checked.append("mot causality: a token changes only its group at its position")

_, _, (stats, w) = layer(x, capture=True)
assert torch.allclose(w.sum(2), torch.ones_like(w.sum(2)))
one = mot_layer(g=1)
experts_sum = sum(torch.relu(x @ one.W1[e]) @ one.W2[e] for e in range(one.E))
assert torch.allclose(one(x)[0], experts_sum)
checked.append("mot weights sum to 1 over the group; g = 1 is the sum of the experts")

cold = mot_layer(g=3, tau=1e-4)
_, _, (_, w) = cold(x, capture=True)
assert torch.allclose(w.max(2).values, torch.ones_like(w.max(2).values), atol=1e-6)
checked.append("mot tau -> 0: each expert takes one token")

xg = torch.randn(6, 2, 5, requires_grad=True)
small = mot_layer(g=3)
assert torch.autograd.gradcheck(lambda t: small(t)[0], (xg,), eps=1e-6, atol=1e-5)
checked.append("mot gradients match finite differences")

# Token choice: capacity order is all 1st choices in b*T + t order, then the 2nd choices.
expert = torch.tensor([0, 1, 0, 0, 1, 0])
assert slots_within_expert(expert, 2).tolist() == [0, 0, 1, 2, 1, 3]
moe_cfg = {"experts": 2, "topK": 1, "capacityFactor": 0.5, "loadBalanceWeight": 0.01,
           "routerZLossWeight": 0.0, "initScale": 1.0, "router": "token-choice"}
moe = MoeFfn(5, 4, moe_cfg).double()
with torch.no_grad():
    moe.router.zero_()
    moe.router[0, 0] = 10.0  # every token with x[..., 0] > 0 prefers expert 0
xs = torch.randn(2, 4, 5)
xs[..., 0] = 1.0  # all 8 tokens pick expert 0; capacity floor(0.5 * 8 / 2) = 2
_, _, (stats, (kept, token, _, _)) = moe(xs, capture=True)
assert stats["capacity"] == 2 and token.tolist() == [0, 1], token  # the first two in b*T + t order
assert abs(float(stats["droppedFraction"]) - 6 / 8) < 1e-12
checked.append("token choice: capacity taken in flattened order, the rest dropped")

ec_cfg = dict(moe_cfg, router="expert-choice", capacityFactor=1.0)
ec = MoeFfn(5, 4, ec_cfg).double()
xe = torch.randn(8, 5, 5)
y0 = ec(xe)[0]
xe2 = xe.clone()
xe2[3, 2] += 1.0
moved = (ec(xe2)[0] - y0).abs().sum(-1) > 1e-12  # (B, T)
assert not moved[:, :2].any() and not moved[:, 3:].any(), moved
checked.append("expert choice is causal: it chooses per position across the batch")

# Equal probabilities (sequences that begin alike) go to the lower batch row, as in the tfjs
# engine: torch.topk would break these ties arbitrarily. c = floor(1 * 8 / 2) = 4 of 8 rows.
alike = torch.randn(1, 3, 5).repeat(8, 1, 1)  # eight identical sequences
_, _, (stats, (chosen_by, token, _, T)) = ec(alike, capture=True)
rows_taken = sorted(set((token // T).tolist()))
assert stats["capacity"] == 4 and rows_taken == [0, 1, 2, 3], rows_taken
checked.append("expert choice: ties go to the lower batch row")

print(json.dumps({"checked": checked}))
