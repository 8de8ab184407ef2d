"""One GPT-2-family training step (forward, backward, global-norm clip, AdamW) in PyTorch, timed.

The same work `./fpo bench engine` runs in our engine: same shapes, same thread count, fp32, tied embeddings,
GELU (tanh), causal attention, cross-entropy over the vocabulary, AdamW with decoupled weight decay.
Prints one JSON object. Usage: train_step_torch.py --layers 12 --channels 768 --heads 12 --vocab 50257 \
    --batch 4 --seq 64 --threads 2 --steps 3
"""
import argparse
import json

import torch
import torch.nn.functional as F

from _torch_gpt2 import Block, Gpt2Layers, timed_steps


class Gpt2(Gpt2Layers):
    def __init__(self, L, C, NH, V, maxT):
        super().__init__(L, C, NH, V, maxT, Block)
        self.register_buffer("mask", torch.tril(torch.ones(maxT, maxT)))

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for block in self.h:
            x = block(x, self.mask)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    p = argparse.ArgumentParser()
    for name, default in [("layers", 12), ("channels", 768), ("heads", 12), ("vocab", 50257),
                          ("batch", 4), ("seq", 64), ("threads", 2), ("steps", 3), ("warmup", 1)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Gpt2(a.layers, a.channels, a.heads, a.vocab, a.seq)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-4, betas=(0.9, 0.95), eps=1e-8)
    idx = torch.randint(0, a.vocab, (a.batch, a.seq))
    targets = torch.randint(0, a.vocab, (a.batch, a.seq))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(idx, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    median, best, loss = timed_steps(step, a.warmup, a.steps)
    print(json.dumps({"engine": "pytorch", "torch_version": torch.__version__, "threads": a.threads,
                      "step_seconds_median": median, "step_seconds_best": best,
                      "tokens_per_second": a.batch * a.seq / median, "loss": loss}))


if __name__ == "__main__":
    main()
