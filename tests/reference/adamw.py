"""Golden data for AdamW and global-norm clipping on fixed gradients (no model, so nothing amplifies rounding):
a decayed (matrix) and a non-decayed (vector) parameter, 3 steps of clip_grad_norm_ + torch.optim.AdamW with given
gradients. Writes adamw.golden.safetensors: w0, b0, grad{k}.w, grad{k}.b, norm{k}, w{k}, b{k} after step k (1..3)."""
import os
import sys

import torch

from _golden import setup, write_safetensors

# Mirrored by tests/Fpo.Models.Tests/Optimization/AdamWGoldenTests.cs.
LR, BETA1, BETA2, EPS, WEIGHT_DECAY, MAX_NORM = 3e-2, 0.9, 0.95, 1e-8, 0.1, 2.0

if __name__ == "__main__":
    setup(77)
    w = torch.randn(37, 19).requires_grad_()
    b = torch.randn(45).requires_grad_()
    out = {"w0": w.detach().clone(), "b0": b.detach().clone()}
    opt = torch.optim.AdamW([{"params": [w], "weight_decay": WEIGHT_DECAY}, {"params": [b], "weight_decay": 0.0}],
                            lr=LR, betas=(BETA1, BETA2), eps=EPS)
    for k in range(1, 4):
        # step 2's gradients are small so clipping leaves them alone; steps 1 and 3 are clipped
        scale = 0.05 if k == 2 else 1.0
        w.grad = torch.randn_like(w) * scale
        b.grad = torch.randn_like(b) * scale
        out[f"grad{k}.w"], out[f"grad{k}.b"] = w.grad.clone(), b.grad.clone()
        out[f"norm{k}"] = torch.nn.utils.clip_grad_norm_([w, b], MAX_NORM).reshape(1)
        opt.step()
        out[f"w{k}"], out[f"b{k}"] = w.detach().clone(), b.detach().clone()
    write_safetensors(os.path.join(sys.argv[1], "adamw.golden.safetensors"), out)
