"""One preference-optimization training step of a GPT-2-family policy in PyTorch, timed, for one method.

The same work `./fpo bench losses` runs in our engine: B pairs → 2B rows of prompt + response, the policy's
response log-probs, the method's loss as src/Fpo.Alignment/Losses defines it, backward, AdamW. The reference side is what each
method needs at training time: DPO and FPO read offline numbers (random stand-ins of the right shape here, since
their values do not change the cost), TDPO2 runs the reference model forward over the same batch every step.
FPO also encodes resid_post[layer] of every response token with a frozen JumpReLU SAE.
Run once per method (peak RSS is per process; baseline RSS is the process before the benchmark's tensors). Prints
one JSON object.
Usage: losses_torch.py --method fpo --layers 12 --channels 768 --heads 12 --vocab 50257 --pairs 8 --prompt 32 \
    --response 64 --d-sae 24576 --threads 2 --steps 3
"""
import argparse
import json
import math
import resource

import torch
import torch.nn.functional as F

from _torch_gpt2 import Block, Gpt2Layers, timed_steps

BETA, ALPHA, SIMPO_BETA, SIMPO_GAMMA, TOPK = 0.1, 0.5, 2.0, 1.0, 50
SAE_THRESHOLD = 2.326  # P(N(0,1) > 2.326) = 1%


class Gpt2(Gpt2Layers):
    def __init__(self, L, C, NH, V, maxT):
        super().__init__(L, C, NH, V, maxT, Block)
        self.register_buffer("mask", torch.tril(torch.ones(maxT, maxT)))

    def forward(self, idx, hook_layer):
        """Logits (B,T,V) and resid_post of hook_layer (B,T,C)."""
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        hooked = None
        for l, block in enumerate(self.h):
            x = block(x, self.mask)
            if l == hook_layer:
                hooked = x
        return self.ln_f(x) @ self.wte.weight.t(), hooked


def rss_bytes():
    """Resident set size now (VmRSS): the interpreter and torch before any tensor of the benchmark exists."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def response_logps(logits, targets, mask):
    """Summed and mean log-probs of the response tokens per row; targets (R,T) with mask (R,T) on response tokens."""
    logp = torch.gather(logits.log_softmax(-1), 2, targets.clamp(min=0).unsqueeze(2)).squeeze(2) * mask
    total = logp.sum(-1)
    return total, total / mask.sum(-1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--method", choices=["fpo", "dpo", "simpo", "tdpo2"], required=True)
    for name, default in [("layers", 12), ("channels", 768), ("heads", 12), ("vocab", 50257), ("pairs", 8), ("prompt", 32),
                          ("response", 64), ("d-sae", 24576), ("threads", 2), ("steps", 3), ("warmup", 1)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    baseline = rss_bytes()
    B, T, V, C, L = a.pairs, a.prompt + a.response, a.vocab, a.channels, a.layers
    layer = L - 1
    policy = Gpt2(L, C, a.heads, V, T)
    opt = torch.optim.AdamW(policy.parameters(), lr=1e-6, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)
    reference = None
    if a.method == "tdpo2":
        reference = Gpt2(L, C, a.heads, V, T)
        reference.requires_grad_(False)

    idx = torch.randint(0, V, (2 * B, T))  # rows 0..B-1 chosen, B..2B-1 rejected
    targets = torch.roll(idx, -1, 1)
    mask = torch.zeros(2 * B, T)
    mask[:, a.prompt - 1:T - 1] = 1  # the predictions of response tokens
    ref_sum, ref_mean = torch.randn(2 * B) - 50, torch.randn(2 * B) - 1  # offline reference log-probs (DPO, FPO)

    # Encoder rows scaled to the policy's residual stream (RMS over the response positions) and a threshold at the 99th
    # percentile of a standard normal, so about 1% of the codes fire, as in a trained SAE; fpo bench losses does the same.
    with torch.no_grad():
        _, resid = policy(idx, layer)
    rms = resid[mask.bool()].pow(2).mean().sqrt()
    W_enc = torch.randn(C, a.d_sae) / (math.sqrt(C) * rms)
    b_enc, threshold = torch.zeros(a.d_sae), torch.full((a.d_sae,), SAE_THRESHOLD)
    b_dec = torch.zeros(C)
    ref_pooled = torch.relu(torch.randn(2 * B, a.d_sae)) * (torch.rand(2 * B, a.d_sae) < 0.01)  # sparse c̄_ref (FPO)

    def loss_of(logits, resid):
        total, mean = response_logps(logits, targets, mask)
        if a.method == "simpo":
            return -F.logsigmoid(SIMPO_BETA * (mean[:B] - mean[B:]) - SIMPO_GAMMA).mean()
        if a.method == "dpo":
            d = total - ref_sum
            return -F.logsigmoid(BETA * (d[:B] - d[B:])).mean()
        if a.method == "tdpo2":
            with torch.no_grad():
                ref_logits, _ = reference(idx, layer)
            ref_lp = ref_logits.log_softmax(-1)
            ref_total = (torch.gather(ref_lp, 2, targets.unsqueeze(2)).squeeze(2) * mask).sum(-1)
            kl = ((ref_lp.exp() * (ref_lp - logits.log_softmax(-1))).sum(-1) * mask).sum(-1)
            d = total - ref_total
            return -F.logsigmoid(BETA * (d[:B] - d[B:] - ALPHA * (kl[B:] - kl[:B].detach()))).mean()
        pre = (resid - b_dec) @ W_enc + b_enc  # fpo
        codes = pre * (pre > threshold)
        pooled = (codes * mask.unsqueeze(2)).sum(1) / mask.sum(-1, keepdim=True)
        sel = torch.zeros_like(pooled, dtype=torch.bool)
        sel.scatter_(1, pooled.detach().topk(TOPK, -1).indices, True)
        sel.scatter_(1, ref_pooled.topk(TOPK, -1).indices, True)
        d_fpo = ((pooled - ref_pooled) ** 2 * sel).sum(-1) / sel.sum(-1)
        margin_ref = BETA * (ref_mean[:B] - ref_mean[B:])
        u = BETA * (mean[:B] - mean[B:]) - margin_ref - ALPHA * (BETA * d_fpo[B:] - (BETA * d_fpo[:B]).detach())
        return -F.logsigmoid(u).mean()

    def step():
        opt.zero_grad(set_to_none=True)
        logits, resid = policy(idx, layer)
        loss = loss_of(logits, resid)
        loss.backward()
        opt.step()
        return loss.item()

    median, best, loss = timed_steps(step, a.warmup, a.steps)
    with torch.no_grad():
        _, resid = policy(idx, layer)
        active = ((((resid - b_dec) @ W_enc + b_enc) > threshold).float().mean(-1)[mask.bool()]).mean().item()
    print(json.dumps({"engine": "pytorch", "active_latent_fraction": active, "method": a.method, "torch_version": torch.__version__, "threads": a.threads,
                      "step_seconds_median": median, "step_seconds_best": best,
                      "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "baseline_rss_bytes": baseline,
                      "loss": loss}))


if __name__ == "__main__":
    main()
