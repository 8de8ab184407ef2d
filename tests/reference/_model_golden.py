"""Shared driver for the transformer golden fixtures (model_gpt2.py, model_llama.py).

A family module provides params (HF-named leaf tensors) and forward(params, tokens) -> (logits, resid_post list).
The driver writes <out>/<name>/{config.json, model.safetensors} (what HuggingFaceCheckpoint.Load reads) and
<out>/<name>.golden.safetensors with tokens, targets, logits, loss, every parameter gradient ("grad.<hf name>"),
resid_post of HOOK_LAYER and the gradients with an external gradient added there ("hookgrad.<hf name>"),
and the losses and clipped gradient norms of 3 AdamW steps.
"""
import json
import os

import torch
import torch.nn.functional as F

from _golden import write_safetensors

B, T = 3, 16
HOOK_LAYER = 0
# AdamW settings mirrored by the C# golden test (tests/Fpo.Models.Tests/TransformerGoldenTests.cs).
LR, BETA1, BETA2, EPS, WEIGHT_DECAY, MAX_NORM = 1e-2, 0.9, 0.95, 1e-8, 0.1, 1.0


def cross_entropy(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)


def write_fixture(out_dir, name, config, params, forward, vocab):
    tokens = torch.randint(0, vocab, (B, T))
    targets = torch.randint(0, vocab, (B, T))
    targets[0, 3] = -1
    targets[1, :5] = -1
    targets[2, -1] = -1

    model_dir = os.path.join(out_dir, name)
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    write_safetensors(os.path.join(model_dir, "model.safetensors"), params)

    golden = {"tokens": tokens.float(), "targets": targets.float()}
    logits, resid = forward(params, tokens)
    loss = cross_entropy(logits, targets)
    loss.backward()
    golden["logits"] = logits.detach()
    golden["loss"] = loss.detach().reshape(1)
    golden["resid_post"] = resid[HOOK_LAYER].detach()
    for n, p in params.items():
        golden["grad." + n] = p.grad.clone()
        p.grad = None

    # An external gradient w added at resid_post[HOOK_LAYER]: d/dx sum(w * resid_post) = w.
    hook_w = torch.randn(B, T, config_channels(config)) * 0.1
    golden["hook_w"] = hook_w
    logits, resid = forward(params, tokens)
    (cross_entropy(logits, targets) + (hook_w * resid[HOOK_LAYER]).sum()).backward()
    for n, p in params.items():
        golden["hookgrad." + n] = p.grad.clone()
        p.grad = None

    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}], lr=LR, betas=(BETA1, BETA2), eps=EPS)
    losses, norms = [], []
    for _ in range(3):
        opt.zero_grad()
        logits, _ = forward(params, tokens)
        loss = cross_entropy(logits, targets)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()), MAX_NORM)))
        opt.step()
        losses.append(float(loss))
    golden["adam_losses"] = torch.tensor(losses)
    golden["adam_norms"] = torch.tensor(norms)
    write_safetensors(os.path.join(out_dir, name + ".golden.safetensors"), golden)


def config_channels(config):
    return config.get("n_embd") or config["hidden_size"]


def causal_attention(q, k, v):
    """q (B,NH,T,HS), k/v (B,NH,T,HS) -> (B,T,NH*HS)."""
    Bq, NH, Tq, HS = q.shape
    att = (q @ k.transpose(-2, -1)) / (HS ** 0.5)
    mask = torch.tril(torch.ones(Tq, Tq, dtype=torch.bool))
    att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
    return (att @ v).transpose(1, 2).reshape(Bq, Tq, NH * HS)
