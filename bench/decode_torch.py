"""Greedy decoding with a KV cache in PyTorch eager mode, timed: the loop `./fpo bench decode` compares against.

A GPT-2 of the given shape with random weights (fp32, tied embeddings, GELU (tanh), nn.Linear layers, manual
attention over a cache that grows by torch.cat), under torch.inference_mode. The prompt (random tokens) is
prefilled untimed; the timed part is --new-tokens decode steps of the whole batch, each feeding the argmax of the
previous logits. Prints one JSON object. Usage: decode_torch.py --layers 12 --channels 768 --heads 12 \
    --vocab 50257 --batch 1 --prompt 16 --new-tokens 64 --threads 2 --repeats 3
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

from _torch_gpt2 import BlockLayers, Gpt2Layers


class Block(BlockLayers):
    def forward(self, x, cache):
        B, T, C = x.shape
        HS = C // self.NH
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q = q.view(B, T, self.NH, HS).transpose(1, 2)
        k = k.view(B, T, self.NH, HS).transpose(1, 2)
        v = v.view(B, T, self.NH, HS).transpose(1, 2)
        if cache is not None:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(HS))
        if T > 1:
            past = k.size(2) - T
            mask = torch.ones(T, k.size(2), dtype=torch.bool).tril(diagonal=past)
            att = att.masked_fill(~mask, float("-inf"))
        y = (att.softmax(dim=-1) @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.c_proj(y)
        x = x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        return x, (k, v)


class Gpt2(Gpt2Layers):
    def __init__(self, L, C, NH, V, maxT):
        super().__init__(L, C, NH, V, maxT, Block)

    def forward(self, idx, start, caches):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(start, start + T))
        new_caches = []
        for block, cache in zip(self.h, caches):
            x, c = block(x, cache)
            new_caches.append(c)
        return self.ln_f(x[:, -1, :]) @ self.wte.weight.t(), new_caches


def main():
    p = argparse.ArgumentParser()
    for name, default in [("layers", 12), ("channels", 768), ("heads", 12), ("vocab", 50257), ("batch", 1),
                          ("prompt", 16), ("new-tokens", 64), ("threads", 2), ("repeats", 3), ("warmup", 1)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Gpt2(a.layers, a.channels, a.heads, a.vocab, a.prompt + a.new_tokens).eval()
    prompt = torch.randint(0, a.vocab, (a.batch, a.prompt))

    def generate():
        logits, caches = model(prompt, 0, [None] * a.layers)
        start = time.perf_counter()
        for i in range(a.new_tokens):
            token = logits.argmax(dim=-1, keepdim=True)
            logits, caches = model(token, a.prompt + i, caches)
        return time.perf_counter() - start

    with torch.inference_mode():
        for _ in range(a.warmup):
            generate()
        times = sorted(generate() for _ in range(a.repeats))
    tokens = a.batch * a.new_tokens
    print(json.dumps({"threads": torch.get_num_threads(), "batch": a.batch, "new_tokens": a.new_tokens,
                      "seconds": times, "tokens_per_s_median": tokens / times[len(times) // 2],
                      "tokens_per_s_best": tokens / times[0]}))


if __name__ == "__main__":
    main()
