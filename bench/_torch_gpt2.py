"""The layers of the PyTorch GPT-2 the benchmark scripts time, and the whole-sequence block forward they share.

One definition keeps the benchmarks' models identical: fp32, tied embeddings, biases, LayerNorm eps 1e-5,
weights drawn from N(0, 0.02) as GPT-2 initialises them.
"""
import math
import time

import torch.nn as nn
import torch.nn.functional as F


class BlockLayers(nn.Module):
    def __init__(self, C, NH):
        super().__init__()
        self.NH = NH
        self.ln_1 = nn.LayerNorm(C, eps=1e-5)
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)
        self.ln_2 = nn.LayerNorm(C, eps=1e-5)
        self.c_fc = nn.Linear(C, 4 * C)
        self.mlp_proj = nn.Linear(4 * C, C)


class Gpt2Layers(nn.Module):
    def __init__(self, L, C, NH, V, maxT, block):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(maxT, C)
        self.h = nn.ModuleList(block(C, NH) for _ in range(L))
        self.ln_f = nn.LayerNorm(C, eps=1e-5)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)


class Block(BlockLayers):
    """A block over a whole sequence (training): causal attention with the mask, GELU (tanh) MLP."""

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q = q.view(B, T, self.NH, C // self.NH).transpose(1, 2)
        k = k.view(B, T, self.NH, C // self.NH).transpose(1, 2)
        v = v.view(B, T, self.NH, C // self.NH).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // self.NH))
        att = att.masked_fill(mask[:T, :T] == 0, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


def timed_steps(step, warmup, steps):
    """Runs step() warmup times untimed, then steps times timed: (median seconds, best seconds, last return value)."""
    for _ in range(warmup):
        step()
    times, result = [], None
    for _ in range(steps):
        t0 = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2], min(times), result
