"""PyTorch counterpart of bench/train_step.cs: one GPT-2 training step (forward + cross-entropy + backward +
clipping + AdamW) at the GPT-2-small and tiny shapes; prints ms/step and tokens/s (median of STEPS after a warm-up).
usage: /usr/bin/python3 bench/train_step_torch.py [THREADS [STEPS]]"""
import math
import sys
import time

import torch
import torch.nn.functional as F


class Gpt2(torch.nn.Module):
    def __init__(self, V, P, L, C, NH):
        super().__init__()
        self.NH = NH
        self.wte = torch.nn.Parameter(torch.randn(V, C) * 0.02)
        self.wpe = torch.nn.Parameter(torch.randn(P, C) * 0.02)
        self.blocks = torch.nn.ModuleList()
        for _ in range(L):
            b = torch.nn.Module()
            b.ln1, b.ln2 = torch.nn.LayerNorm(C), torch.nn.LayerNorm(C)
            b.qkv, b.proj = torch.nn.Linear(C, 3 * C), torch.nn.Linear(C, C)
            b.fc, b.fcproj = torch.nn.Linear(C, 4 * C), torch.nn.Linear(4 * C, C)
            self.blocks.append(b)
        self.lnf = torch.nn.LayerNorm(C)

    def forward(self, tokens):
        B, T = tokens.shape
        x = self.wte[tokens] + self.wpe[:T]
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        for b in self.blocks:
            q, k, v = (t.reshape(B, T, self.NH, -1).transpose(1, 2) for t in b.qkv(b.ln1(x)).chunk(3, dim=-1))
            att = ((q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])).masked_fill(~mask, float("-inf")).softmax(-1)
            x = x + b.proj((att @ v).transpose(1, 2).reshape(B, T, -1))
            x = x + b.fcproj(F.gelu(b.fc(b.ln2(x)), approximate="tanh"))
        return self.lnf(x) @ self.wte.T


def run(name, V, L, C, NH, B, T, steps):
    model = Gpt2(V, 1024, L, C, NH)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}], lr=1e-4)
    tokens, targets = torch.randint(0, V, (B, T)), torch.randint(0, V, (B, T))
    times = []
    for step in range(steps + 1):
        start = time.perf_counter()
        loss = F.cross_entropy(model(tokens).reshape(-1, V), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step > 0:
            times.append((time.perf_counter() - start) * 1000)
    ms = sorted(times)[len(times) // 2]
    print(f"{name:<11} {ms:8.1f} ms/step {B * T / ms * 1000:9.0f} tokens/s  (torch {torch.__version__})")


if __name__ == "__main__":
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    print(f"{threads} threads, median of {steps} steps after one warm-up step")
    run("gpt2-small", 50257, 12, 768, 12, 4, 64, steps)
    run("tiny", 4096, 4, 256, 4, 16, 128, steps)
