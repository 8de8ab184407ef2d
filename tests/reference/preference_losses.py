"""Golden data for the preference losses of src/Fpo.Alignment (the formulas are written out in each loss's C# file): DPO, SimPO, TDPO1, TDPO2 and FPO on one
batch of a tiny GPT-2 policy (model_gpt2.py's shape) with a tiny GPT-2 reference of another seed and tiny SAEs (ReLU,
JumpReLU, TopK) at resid_post of block LAYER. The batch has different prompt and response lengths, padding and soft
labels; every loss uses the label-smoothed form -[p log sigma(u) + (1-p) log sigma(-u)] averaged over pairs. Values and
every parameter gradient come from autograd in float64 on the float32 parameters. For TDPO2 and FPO the gradients
without the stop-gradient are written too ("nosg"), so the C# test can show the fixture tells them apart.
FPO: c_bar = mean of the SAE codes over the positions that predict response tokens (targets >= 0, P-1..P+R-2; as the
official code, but divided by the response length, not the padded length), I_k =
topk(c_bar_theta) U topk(c_bar_ref) over strictly positive entries, ties to the lower latent.
Writes <out>/pref_policy/, <out>/pref_reference/ (HF folders) and <out>/preference_losses.golden.safetensors."""
import json
import os
import sys

import torch
import torch.nn.functional as F

import model_gpt2 as gpt2
from _golden import setup, write_safetensors

# Mirrored by tests/Fpo.Alignment.Tests/PreferenceGoldenTests.cs.
PROMPTS, CHOSEN, REJECTED = [3, 5, 2], [4, 2, 6], [5, 3, 1]
LABELS = [1.0, 0.8, 0.3]
T = 11  # two positions more than the longest pair: trailing padding in every row
LAYER, F_SAE, SAE_K, TOPK = 0, 96, 8, 6
DPO_BETA, SIMPO_BETA, SIMPO_GAMMA, TDPO_BETA, TDPO_ALPHA, FPO_BETA, FPO_ALPHA = 0.1, 2.0, 1.0, 0.1, 0.5, 0.1, 0.5
MARGIN = 1e-3  # no SAE decision (activation, top-k) this close to its boundary, so float32 cannot flip it
B = len(PROMPTS)


def make_model(scale):
    """model_gpt2's random parameters with the embedding scaled so the next-token distributions are far from uniform."""
    p = gpt2.make_params()
    with torch.no_grad():
        p["wte.weight"].mul_(scale)
    return {k: v.detach().clone() for k, v in p.items()}


def write_model(out_dir, name, params):
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": gpt2.V, "n_positions": gpt2.P,
              "n_embd": gpt2.C, "n_layer": gpt2.L, "n_head": gpt2.NH, "n_inner": None, "activation_function": "gelu_new",
              "layer_norm_epsilon": gpt2.EPS, "tie_word_embeddings": True}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    write_safetensors(os.path.join(d, "model.safetensors"), params)


def make_batch():
    prompts = [torch.randint(1, gpt2.V, (n,)) for n in PROMPTS]
    chosen = [torch.randint(1, gpt2.V, (n,)) for n in CHOSEN]
    rejected = [torch.randint(1, gpt2.V, (n,)) for n in REJECTED]
    inputs = torch.zeros(2 * B, T, dtype=torch.long)
    targets = torch.full((2 * B, T), -1, dtype=torch.long)
    rlen = torch.zeros(2 * B, dtype=torch.long)
    for i in range(B):
        for r, resp in ((i, chosen[i]), (B + i, rejected[i])):
            seq = torch.cat([prompts[i], resp])
            inputs[r, :len(seq)] = seq
            P, R = len(prompts[i]), len(resp)
            targets[r, P - 1:P + R - 1] = seq[P:]
            rlen[r] = R
    return prompts, chosen, rejected, inputs, targets, rlen


def seq_logps(logits, targets, rlen):
    logp = logits.log_softmax(-1)
    mask = targets >= 0
    tok = logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1) * mask
    s = tok.sum(-1)
    return s, s / rlen


def seq_kl(logits, ref_logits, targets):
    logp, ref_logp = logits.log_softmax(-1), ref_logits.log_softmax(-1)
    kl = (ref_logp.exp() * (ref_logp - logp)).sum(-1)
    return (kl * (targets >= 0)).sum(-1)


def preference_loss(u, labels):
    return -(labels * F.logsigmoid(u) + (1 - labels) * F.logsigmoid(-u)).mean()


def sae_codes(arch, sae, x):
    pre = (x - sae["b_dec"]) @ sae["W_enc"].t() + sae["b_enc"]
    if arch == "relu":
        return pre.relu(), pre
    if arch == "jumprelu":
        return pre * (pre > sae["threshold"]), pre
    r = pre.relu()
    top = r.topk(SAE_K, dim=-1)
    return torch.zeros_like(r).scatter(-1, top.indices, top.values), pre


def pooled(arch, sae, resid, targets, rlen):
    codes, pre = sae_codes(arch, sae, resid)
    mask = targets >= 0
    return (codes * mask.unsqueeze(-1)).sum(1) / rlen.unsqueeze(-1), pre[mask]


def top_positive(v, k):
    order = sorted(range(len(v)), key=lambda i: (-float(v[i]), i))
    return [i for i in order if float(v[i]) > 0][:k]


def selection_margin(v, k):
    """Distance of the k-th selected positive entry from the next candidate (or from 0)."""
    order = sorted([float(x) for x in v if float(x) > 0], reverse=True) + [0.0]
    return min(order[i] - order[i + 1] for i in range(min(k, len(order) - 1))) if len(order) > 1 else 1.0


def feature_divergence(cbar, cref, policy_only):
    d = []
    for r in range(2 * B):
        idx = set(top_positive(cbar[r].detach(), TOPK))
        if not policy_only:
            idx |= set(top_positive(cref[r], TOPK))
        idx = sorted(idx)
        d.append(((cbar[r, idx] - cref[r, idx]) ** 2).mean() if idx else cbar.sum() * 0)
    return torch.stack(d)


def activation_margin(arch, sae, pre):
    if arch == "relu":
        return pre.abs().min().item()
    if arch == "jumprelu":
        return (pre - sae["threshold"]).abs().min().item()
    s = pre.relu().sort(dim=-1, descending=True).values
    return (s[:, SAE_K - 1] - s[:, SAE_K]).min().item()


def make_sae(arch, resid_std, seed):
    g = torch.Generator().manual_seed(seed)
    sae = {"W_enc": torch.randn(F_SAE, gpt2.C, generator=g) / (gpt2.C ** 0.5 * resid_std),
           "b_enc": torch.randn(F_SAE, generator=g) * 0.3 - (0.5 if arch == "relu" else 0.0),
           "W_dec": torch.randn(F_SAE, gpt2.C, generator=g) * 0.1,
           "b_dec": torch.randn(gpt2.C, generator=g) * resid_std * 0.1,
           "threshold": torch.rand(F_SAE, generator=g) * 0.5 + 0.2 if arch == "jumprelu" else torch.zeros(0)}
    return sae


def main(out_dir):
    setup(4242)
    policy32, reference32 = make_model(5.0), make_model(5.0)
    write_model(out_dir, "pref_policy", policy32)
    write_model(out_dir, "pref_reference", reference32)
    prompts, chosen, rejected, inputs, targets, rlen = make_batch()
    labels = torch.tensor(LABELS, dtype=torch.float64)
    golden = {"prompt_tokens": torch.cat(prompts).float(), "chosen_tokens": torch.cat(chosen).float(),
              "rejected_tokens": torch.cat(rejected).float(), "inputs": inputs.float(), "targets": targets.float(),
              "labels": labels.float()}

    policy = {k: v.double().requires_grad_() for k, v in policy32.items()}
    reference = {k: v.double() for k, v in reference32.items()}
    with torch.no_grad():
        ref_logits, ref_resid = gpt2.forward(reference, inputs)
        ref_sum, ref_mean = seq_logps(ref_logits, targets, rlen)
    golden["ref_sum"], golden["ref_mean"] = ref_sum.float(), ref_mean.float()

    def run(name, loss_fn):
        logits, resid = gpt2.forward(policy, inputs)
        loss, extra = loss_fn(logits, resid)
        loss.backward()
        golden[name + ".loss"] = loss.detach().reshape(1).float()
        for k, v in extra.items():
            golden[name + "." + k] = v.detach().float()
        for n, p in policy.items():
            golden[name + ".grad." + n] = p.grad.float()
            p.grad = None
        print(f"  {name}: loss {loss.item():.6f} " + " ".join(f"{k}={v.detach().numpy().round(5)}" for k, v in extra.items()))

    def dpo(logits, resid):
        s, _ = seq_logps(logits, targets, rlen)
        rewards = DPO_BETA * (s - ref_sum)
        return preference_loss(rewards[:B] - rewards[B:], labels), {"rewards": rewards}

    def simpo(logits, resid):
        _, m = seq_logps(logits, targets, rlen)
        rewards = SIMPO_BETA * m
        return preference_loss(rewards[:B] - rewards[B:] - SIMPO_GAMMA, labels), {"rewards": rewards}

    def tdpo(alpha, stop):
        def loss_fn(logits, resid):
            s, _ = seq_logps(logits, targets, rlen)
            rewards = TDPO_BETA * (s - ref_sum)
            kl = seq_kl(logits, ref_logits, targets)
            kl_w = kl[:B].detach() if stop else kl[:B]
            u = rewards[:B] - rewards[B:] - TDPO_BETA * alpha * (kl[B:] - kl_w)
            return preference_loss(u, labels), {"rewards": rewards, "kl": kl}
        return loss_fn

    run("dpo", dpo)
    run("simpo", simpo)
    run("tdpo1", tdpo(1.0, False))
    run("tdpo2", tdpo(TDPO_ALPHA, True))
    run("tdpo2_nosg", tdpo(TDPO_ALPHA, False))

    with torch.no_grad():
        _, pol_resid = gpt2.forward(policy, inputs)
    resid_std = pol_resid[LAYER].std().item()
    for arch in ("relu", "jumprelu", "topk"):
        for seed in range(200):
            sae = {k: v.double() for k, v in make_sae(arch, resid_std, seed).items()}
            with torch.no_grad():
                cref, ref_pre = pooled(arch, sae, ref_resid[LAYER], targets, rlen)
                cpol, pol_pre = pooled(arch, sae, pol_resid[LAYER], targets, rlen)
            margins = [activation_margin(arch, sae, ref_pre), activation_margin(arch, sae, pol_pre)]
            margins += [selection_margin(c, TOPK) for c in list(cref) + list(cpol)]
            if min(margins) > MARGIN:
                break
        else:
            raise SystemExit(f"no SAE seed for {arch} keeps every decision {MARGIN} from its boundary")
        print(f"  sae {arch}: seed {seed}, smallest decision margin {min(margins):.2e}")
        golden[f"sae.{arch}.seed"] = torch.tensor([float(seed)])
        for k, v in sae.items():
            golden[f"sae.{arch}.{k}"] = v.float()
        golden[f"ref_cbar.{arch}"] = cref.float()

        def fpo(policy_only, stop):
            def loss_fn(logits, resid):
                _, m = seq_logps(logits, targets, rlen)
                rewards = FPO_BETA * m
                margin_ref = FPO_BETA * (ref_mean[:B] - ref_mean[B:])
                cbar, _ = pooled(arch, sae, resid[LAYER], targets, rlen)
                d = feature_divergence(cbar, cref, policy_only)
                d_w = d[:B].detach() if stop else d[:B]
                u = rewards[:B] - rewards[B:] - margin_ref - FPO_ALPHA * (FPO_BETA * d[B:] - FPO_BETA * d_w)
                return preference_loss(u, labels), {"rewards": rewards, "d": d}
            return loss_fn

        run(f"fpo_{arch}", fpo(False, True))
        if arch == "relu":
            run("fpo_relu_nosg", fpo(False, False))
            run("fpo_relu_policy_topk", fpo(True, True))
    write_safetensors(os.path.join(out_dir, "preference_losses.golden.safetensors"), golden)


if __name__ == "__main__":
    main(sys.argv[1])
