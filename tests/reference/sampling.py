"""Golden data for the token sampler (src/Fpo.Models/Sampling/TokenSampler.cs): for hand-picked logits (ties, -inf,
a dominant token) and parameters, the distribution each transform leaves, computed in float64 with torch ops from
the definitions the sampler documents, plus log_softmax of the raw logits. Also values of the regularized upper
incomplete gamma function Q(a, x) (torch.special.gammaincc), which the chi-square tests' p-values rest on.
Writes sampling.safetensors into argv[1]; each case's parameters are JSON in the metadata under "case.<name>"."""
import json
import math
import os
import sys

import torch

import _golden

NEG_INF = -math.inf
MARGIN = 1e-4  # no top-p or min-p decision may lie closer than this to its threshold: the data must be unambiguous


def transform(logits, p):
    """The sampler's transform chain in float64; returns the final probability vector."""
    x = logits.double().clone()
    V = x.numel()
    for token, b in p.get("bias", {}).items():
        x[int(token)] += b
    seen = sorted(set(p.get("prompt", [])) | set(p.get("generated", [])))
    rep = p.get("repetition", 1.0)
    if seen and rep != 1.0:
        idx = torch.tensor(seen)
        v = x[idx]
        x[idx] = torch.where(v > 0, v / rep, v * rep)
    counts = torch.bincount(torch.tensor(p.get("generated", []), dtype=torch.int64), minlength=V).double()
    x = x - p.get("presence", 0.0) * (counts > 0).double() - p.get("frequency", 0.0) * counts
    T, top_k = p.get("temperature", 1.0), p.get("top_k", 0)
    if T == 0 or top_k == 1:
        # torch.argmax returns the first maximal index: the lowest id wins ties
        return torch.nn.functional.one_hot(torch.argmax(x), V).double()
    x = x / T
    if 0 < top_k < V:
        kth = torch.topk(x, top_k).values[-1]
        x[x < kth] = NEG_INF
    top_p = p.get("top_p", 1.0)
    if top_p < 1.0:
        probs = torch.softmax(x, -1)
        ordered = torch.sort(probs, descending=True).values
        cum = torch.cumsum(ordered, 0)
        last = int(torch.nonzero(cum >= top_p)[0])
        assert abs(cum[last] - top_p) > MARGIN and (last == 0 or abs(cum[last - 1] - top_p) > MARGIN), "top-p boundary too close"
        x[probs < ordered[last]] = NEG_INF
    min_p = p.get("min_p", 0.0)
    if min_p > 0.0:
        probs = torch.softmax(x, -1)
        cut = min_p * probs.max()
        live = probs[probs > 0]
        assert torch.all((live - cut).abs() > MARGIN * cut), "min-p boundary too close"
        x[probs < cut] = NEG_INF
    return torch.softmax(x, -1)


def main(out_dir):
    _golden.setup()

    def randn(V, scale=2.0):
        return (torch.randn(V) * scale).float()

    cases = {}

    def case(name, logits, **params):
        cases[name] = (logits.float(), params)

    case("plain", randn(16))
    case("temperature_0.7", randn(20), temperature=0.7)
    hot = randn(18)
    hot[[2, 9, 13]] = NEG_INF
    case("temperature_1.8_with_neg_inf", hot, temperature=1.8)
    # logits 3.0 at ids 4, 7, 11, 12: the 3rd to 6th largest tie, so top_k 5 keeps all six
    tied = torch.tensor([0.5, 4.0, -1.0, 2.0, 3.0, 0.0, -2.0, 3.0, 1.0, 5.0, -0.5, 3.0, 3.0, -3.0])
    case("top_k_5_ties_at_boundary", tied, top_k=5)
    case("top_k_larger_than_V", randn(12), top_k=40)
    case("top_p_0.8", randn(24), top_p=0.8)
    # ids 3 and 8 tie (p 0.1836) after id 5 (p 0.3026): the prefix reaches 0.45 at the first of the tie, both are kept
    case("top_p_ties_at_boundary", torch.tensor([1.0, 0.2, -1.0, 1.5, 0.0, 2.0, -0.5, 0.7, 1.5, -2.0]), top_p=0.45)
    dominant = randn(15, 1.0)
    dominant[6] = 9.0
    case("top_p_reached_by_first_token", dominant, top_p=0.5)
    case("min_p_0.1", randn(30), min_p=0.1)
    case("repetition_1.3", randn(20), repetition=1.3, prompt=[1, 4, 4, 9, 17], generated=[2, 9, 9])
    case("repetition_0.8", randn(20), repetition=0.8, prompt=[0, 5, 6], generated=[6, 11])
    case("presence_frequency", randn(22), presence=0.5, frequency=0.3, prompt=[3, 4], generated=[1, 1, 1, 5, 7, 7, 20])
    case("presence", randn(18), presence=0.8, generated=[2, 2, 6, 11, 11, 11])
    case("frequency", randn(18), frequency=0.35, prompt=[2, 6], generated=[2, 2, 6, 11, 11, 11])
    case("negative_presence_frequency", randn(22), presence=-0.4, frequency=-0.2, generated=[0, 2, 2, 21])
    case("bias", randn(16), bias={"3": 2.5, "7": -1.0, "0": -30.0})
    case("bias_repetition", randn(25), bias={"3": 2.5, "7": -1.0, "12": 4.0}, repetition=1.2, prompt=[3, 12, 14, 15],
         generated=[7, 7])
    case("temperature_top_k_top_p", randn(30), temperature=0.8, top_k=10, top_p=0.9)
    case("penalties_min_p", randn(28), temperature=1.2, repetition=1.1, presence=0.4, frequency=0.2, min_p=0.05,
         prompt=[0, 1, 2, 3], generated=[4, 4, 5, 1])
    masked = randn(40)
    masked[::3] = NEG_INF
    case("everything", masked, bias={"1": 1.5, "4": -2.0}, repetition=1.15, presence=0.3, frequency=0.1,
         temperature=0.9, top_k=15, top_p=0.95, min_p=0.02, prompt=[1, 2, 5, 8], generated=[4, 7, 7, 10])
    greedy_tie = torch.tensor([0.0, 2.0, 1.0, 2.0, -1.0, 2.0, 0.5])
    case("greedy_ties_lowest_id", greedy_tie, temperature=0.0)
    case("greedy_bias_moves_argmax", randn(16), temperature=0.0, bias={"5": 20.0})
    case("top_k_1_is_greedy", randn(16), top_k=1, temperature=1.3)
    all_but_one = torch.full((12,), NEG_INF)
    all_but_one[7] = -3.0
    case("all_but_one_masked", all_but_one, temperature=0.5, top_p=0.9)

    t = {}
    meta = {}
    for name, (logits, params) in cases.items():
        probs = transform(logits, params)
        assert abs(float(probs.sum()) - 1.0) < 1e-12
        t[f"{name}.logits"] = logits
        t[f"{name}.probs"] = probs.float()
        t[f"{name}.model_logprobs"] = torch.log_softmax(logits.double(), -1).float()
        meta[f"case.{name}"] = json.dumps(params)

    # Q(a, x) over small, large and unequal arguments, beside chi-square p-values Q(df/2, stat/2)
    a = torch.tensor([0.5, 0.5, 1.0, 2.5, 10.0, 10.0, 50.0, 50.0, 9.5, 500.0, 100.0, 3.0], dtype=torch.float64)
    x = torch.tensor([0.1, 20.0, 1.0, 3.0, 5.0, 15.0, 40.0, 70.0, 22.0, 520.0, 200.0, 0.001], dtype=torch.float64)
    t["gammaincc.a"] = a
    t["gammaincc.x"] = x
    t["gammaincc.q"] = torch.special.gammaincc(a, x)
    meta["cases"] = json.dumps(list(cases))
    _golden.write_safetensors(os.path.join(out_dir, "sampling.safetensors"), t, meta)


if __name__ == "__main__":
    main(sys.argv[1])
