"""Golden data for the length-controlled win rate of src/Fpo.Alignment/Evaluation/LengthControlledFit.cs: per case,
outcomes y in {0, 0.5, 1} (NaN: an abstention, left out of the fit) with policy and reference lengths; d =
tanh((len_pol - len_ref) / s), s the population standard deviation of the differences of the decided outcomes; the
penalised logistic fit minimises sum -[y log sigmoid(a + b d) + (1 - y) log sigmoid(-(a + b d))] + 1e-3 a^2 / 2 + b^2 / 2,
found here by L-BFGS in float64 (the C# code uses Newton's method: the two must meet at the unique minimum).
Writes <out>/length_controlled.golden.safetensors: for case k, case{k}.y, case{k}.policy_len, case{k}.reference_len
and case{k}.fit = [a, b, s, sigmoid(a)]."""
import os
import sys

import torch

from _golden import setup, write_safetensors

INTERCEPT_PENALTY, SLOPE_PENALTY = 1e-3, 1.0


def fit(y, pol, ref):
    keep = ~torch.isnan(y)
    y, diff = y[keep], (pol - ref)[keep]
    s = diff.std(unbiased=False)
    d = torch.tanh(diff / s) if s > 0 else torch.zeros_like(diff)
    theta = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([theta], lr=1, max_iter=500, tolerance_grad=1e-14, tolerance_change=1e-16,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = theta[0] + theta[1] * d
        loss = (y * torch.nn.functional.softplus(-z) + (1 - y) * torch.nn.functional.softplus(z)).sum()
        loss = loss + 0.5 * (INTERCEPT_PENALTY * theta[0] ** 2 + SLOPE_PENALTY * theta[1] ** 2)
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    a, b = theta.detach()
    return torch.tensor([a, b, s, torch.sigmoid(a)], dtype=torch.float64)


def make_case(n, bias, length_effect, abstain):
    """Lengths around 45 tokens; the chance of a win rises with the policy's extra length; some ties and abstentions."""
    pol = torch.randint(20, 70, (n,)).double()
    ref = torch.randint(30, 60, (n,)).double()
    p = torch.sigmoid(bias + length_effect * torch.tanh((pol - ref) / 15))
    u = torch.rand(n, dtype=torch.float64)
    y = (u < p).double()
    y[torch.rand(n) < 0.2] = 0.5
    y[torch.rand(n) < abstain] = float("nan")
    return y, pol, ref


def main(out_dir):
    setup(7)
    cases = [make_case(128, 0.6, 1.5, 0.1), make_case(40, -0.3, -0.8, 0.0), make_case(64, 0.2, 0.0, 0.3)]
    sweep = torch.ones(16, dtype=torch.float64)  # every comparison a win: finite only through the intercept penalty
    cases.append((sweep, torch.arange(16).double() + 30, torch.full((16,), 40.0, dtype=torch.float64)))
    tensors = {}
    for k, (y, pol, ref) in enumerate(cases):
        tensors[f"case{k}.y"] = y
        tensors[f"case{k}.policy_len"] = pol
        tensors[f"case{k}.reference_len"] = ref
        tensors[f"case{k}.fit"] = fit(y, pol, ref)
    write_safetensors(os.path.join(out_dir, "length_controlled.golden.safetensors"), tensors)


if __name__ == "__main__":
    main(sys.argv[1])
