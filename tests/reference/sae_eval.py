"""Golden data for the SAE evaluation (src/Fpo.Sae/Evaluation): a tiny GPT-2 (model_gpt2's math, embeddings scaled up
so that its next-token distributions are peaked and zero-ablating a layer costs loss), two SAELens-layout SAE folders
on resid_post[0] (TopK with b_dec subtracted from the input, JumpReLU without), a token stream, and every metric in
float64 from the float32 weights:
  L0 = mean over tokens of the count of non-zero codes; MSE = mean over tokens of Σ_d (x̂ − x)²;
  FVU = Σ_t ‖x_t − x̂_t‖² / Σ_t ‖x_t − x̄‖² with x̄ the mean activation over all evaluated tokens;
  cosine = mean over tokens of x·x̂ / max(‖x‖‖x̂‖, 1e-8);
  CE clean / with the reconstruction spliced at resid_post[0] / with resid_post[0] zeroed, each the mean next-token
  loss over every position of a window but its last; recovered = (CE_zero − CE_sae) / (CE_zero − CE_clean);
  KL = mean over every position of Σ_v p_clean (log p_clean − log p_sae);
  per-latent firing counts, dead and dense (density > DENSE) fractions and the log10-density histogram (bins of
  BIN_WIDTH decades from floor(log10(1/N) / BIN_WIDTH)·BIN_WIDTH to 0, the last bin closed, dead latents apart).
Tokens are cut into windows of T (the tail that does not fill a window is not evaluated); windows are independent
contexts. Writes <out>/sae_eval/model/, <out>/sae_eval/<case>/ and <out>/sae_eval.golden.safetensors."""
import json
import math
import os
import sys

import torch

import model_gpt2
from _golden import setup, write_safetensors

# Mirrored by tests/Fpo.Sae.Tests/Evaluation/SaeEvaluatorGoldenTests.cs.
T, WINDOWS, TAIL, LAYER = 16, 5, 7, 0
D, F, K = model_gpt2.C, 96, 6
DENSE, BIN_WIDTH = 0.1, 0.5
MARGIN = 1e-3  # no pre-activation this close to a decision boundary, so float32 rounding cannot flip a code


def gpt2_config():
    return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": model_gpt2.V,
            "n_positions": model_gpt2.P, "n_embd": D, "n_layer": model_gpt2.L, "n_head": model_gpt2.NH, "n_inner": None,
            "activation_function": "gelu_new", "layer_norm_epsilon": model_gpt2.EPS, "tie_word_embeddings": True}


def make_sae(arch, wte, g):
    """Decoder rows along token embeddings (resid_post[0] is mostly the embedding), so the reconstruction is useful and
    CE recovered lands between 0 and 1; a few latents biased never to fire (dead) and a few to fire always (dense)."""
    w_dec = wte[:F] / wte[:F].norm(dim=-1, keepdim=True)
    sae = {"W_enc": w_dec.T.clone(), "W_dec": w_dec.clone(), "b_dec": torch.randn(D, generator=g) * 0.01,
           "b_enc": torch.randn(F, generator=g) * 0.05}
    sae["b_enc"][:8] -= 5.0
    sae["b_enc"][8:11] += 3.0
    if arch == "jumprelu":
        sae["threshold"] = torch.rand(F, generator=g) * 0.3 + 0.1
    return sae


def encode(arch, sae, x, apply_b_dec):
    pre = ((x - sae["b_dec"]) if apply_b_dec else x) @ sae["W_enc"] + sae["b_enc"]
    relu = torch.relu(pre)
    if arch == "topk":
        top = relu.topk(K, dim=-1)
        codes = torch.zeros_like(relu).scatter(-1, top.indices, top.values)
        s = relu.sort(dim=-1, descending=True).values
        live = s[:, K - 1] > 0
        margin = (s[live, K - 1] - s[live, K]).min().item() if live.all() else 0.0
    else:
        codes = pre * (pre > sae["threshold"])
        margin = (pre - sae["threshold"]).abs().min().item()
    return codes, margin


def cross_entropy(logits, tokens):
    """Mean loss over every position of a window but its last (whose next token is outside the window)."""
    logp = logits[:, :-1].log_softmax(-1)
    return -logp.gather(-1, tokens[:, 1:, None]).mean()


def kl(clean, spliced):
    lc, ls = clean.log_softmax(-1), spliced.log_softmax(-1)
    return (lc.exp() * (lc - ls)).sum(-1).mean()


def density_histogram(counts, N):
    lo = math.floor(math.log10(1 / N) / BIN_WIDTH) * BIN_WIDTH
    bins = max(1, math.ceil(-lo / BIN_WIDTH))
    hist = [0] * bins
    for c in counts.tolist():
        if c > 0:
            hist[min(bins - 1, max(0, math.floor((math.log10(c / N) - lo) / BIN_WIDTH)))] += 1
    return torch.tensor(hist, dtype=torch.float64)


def metrics(arch, sae32, params, stream, apply_b_dec):
    sae = {k: v.double() for k, v in sae32.items()}
    windows = stream[: WINDOWS * T].reshape(WINDOWS, T)
    clean, resid = model_gpt2.forward(params, windows)
    x = resid[LAYER].reshape(-1, D)
    codes, margin = encode(arch, sae, x, apply_b_dec)
    xhat = codes @ sae["W_dec"] + sae["b_dec"]
    splice = xhat.reshape(WINDOWS, T, D)
    spliced, _ = model_gpt2.forward(params, windows, lambda i, r: splice if i == LAYER else r)
    zeroed, _ = model_gpt2.forward(params, windows, lambda i, r: torch.zeros_like(r) if i == LAYER else r)
    ce_clean, ce_sae, ce_zero = (cross_entropy(z, windows) for z in (clean, spliced, zeroed))
    counts = (codes != 0).sum(0).double()
    N = x.shape[0]
    out = {
        "l0": (codes != 0).sum(-1).double().mean(),
        "mse": ((xhat - x) ** 2).sum(-1).mean(),
        "fvu": ((x - xhat) ** 2).sum() / ((x - x.mean(0)) ** 2).sum(),
        "cosine": ((x * xhat).sum(-1) / (x.norm(dim=-1) * xhat.norm(dim=-1)).clamp_min(1e-8)).mean(),
        "ce_clean": ce_clean, "ce_sae": ce_sae, "ce_zero": ce_zero,
        "ce_recovered": (ce_zero - ce_sae) / (ce_zero - ce_clean),
        "kl": kl(clean, spliced),
        "dead_fraction": (counts == 0).double().mean(),
        "dense_fraction": (counts / N > DENSE).double().mean(),
    }
    out = {f"{arch}.{k}": v.detach().reshape(1) for k, v in out.items()}
    out[f"{arch}.counts"] = counts
    out[f"{arch}.histogram"] = density_histogram(counts, N)
    return out, margin


def write_sae(folder, arch, sae, apply_b_dec):
    os.makedirs(folder, exist_ok=True)
    stored = {"W_enc": sae["W_enc"], "W_dec": sae["W_dec"], "b_enc": sae["b_enc"], "b_dec": sae["b_dec"]}
    if arch == "jumprelu":
        stored["threshold"] = sae["threshold"]
    write_safetensors(os.path.join(folder, "sae_weights.safetensors"), stored)
    cfg = {"architecture": arch, "d_in": D, "d_sae": F, "dtype": "float32", "device": "cpu",
           "apply_b_dec_to_input": apply_b_dec, "normalize_activations": "none",
           "meta": {"model_name": "sae-eval-gpt2", "hook_name": f"blocks.{LAYER}.hook_resid_post", "context_size": T}}
    if arch == "topk":
        cfg["k"] = K
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg, f, indent=2)


def main(out):
    setup(31)
    params = model_gpt2.make_params()
    with torch.no_grad():
        params["wte.weight"].mul_(5.0)
    root = os.path.join(out, "sae_eval")
    model_dir = os.path.join(root, "model")
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(gpt2_config(), f, indent=2)
    write_safetensors(os.path.join(model_dir, "model.safetensors"), params)
    p64 = {k: v.detach().double() for k, v in params.items()}
    stream = torch.randint(0, model_gpt2.V, (WINDOWS * T + TAIL,))
    golden = {"tokens": stream.float()}
    for i, (arch, apply_b_dec) in enumerate([("topk", True), ("jumprelu", False)]):
        seed = 100 * i
        while True:
            sae = make_sae(arch, params["wte.weight"].detach(), torch.Generator().manual_seed(seed))
            with torch.no_grad():
                result, margin = metrics(arch, sae, p64, stream, apply_b_dec)
            if margin > MARGIN:
                break
            seed += 1
        write_sae(os.path.join(root, arch), arch, sae, apply_b_dec)
        golden.update(result)
    write_safetensors(os.path.join(out, "sae_eval.golden.safetensors"), golden)


if __name__ == "__main__":
    main(sys.argv[1])
