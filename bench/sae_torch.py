"""One training step of a TopK sparse autoencoder written densely in PyTorch, timed, and the encoder alone.

The same work `./fpo bench sae` runs sparsely in our engine: pre = (x − b_dec) W_enc + b_enc, the k largest of
relu(pre) per token scattered into dense codes, x̂ = codes W_dec + b_dec, SAELens' MSE (summed over d_in, mean over
tokens), backward, Adam. fp32, same thread count. Prints one JSON object.
Usage: sae_torch.py --d-in 768 --d-sae 24576 --k 32 --batch 4096 --threads 2 --steps 3
"""
import argparse
import json
import time

import torch


def main():
    p = argparse.ArgumentParser()
    for name, default in [("d-in", 768), ("d-sae", 24576), ("k", 32), ("batch", 4096), ("threads", 2), ("steps", 3),
                          ("warmup", 1)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    D, F = a.d_in, a.d_sae
    W_dec = torch.randn(F, D)
    W_dec = (W_dec / W_dec.norm(dim=1, keepdim=True) * 0.1).requires_grad_()
    W_enc = W_dec.detach().t().clone().requires_grad_()
    b_enc = torch.zeros(F, requires_grad=True)
    b_dec = torch.zeros(D, requires_grad=True)
    params = [W_enc, b_enc, W_dec, b_dec]
    opt = torch.optim.Adam(params, lr=1e-4)
    x = torch.randn(a.batch, D)

    def encode():
        pre = (x - b_dec) @ W_enc + b_enc
        top = torch.relu(pre).topk(a.k, dim=-1)
        return torch.zeros_like(pre).scatter(-1, top.indices, top.values)

    def step():
        opt.zero_grad(set_to_none=True)
        xhat = encode() @ W_dec + b_dec
        loss = ((xhat - x) ** 2).sum(dim=-1).mean()
        loss.backward()
        opt.step()
        return loss.item()

    def timed(fn):
        for _ in range(a.warmup):
            fn()
        times = []
        for _ in range(a.steps):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return sorted(times)[len(times) // 2], out

    step_median, loss = timed(step)
    with torch.no_grad():
        encode_median, _ = timed(encode)
    print(json.dumps({"engine": "pytorch", "torch_version": torch.__version__, "threads": a.threads,
                      "step_seconds_median": step_median, "encode_seconds_median": encode_median,
                      "step_tokens_per_second": a.batch / step_median,
                      "encode_tokens_per_second": a.batch / encode_median, "loss": loss}))


if __name__ == "__main__":
    main()
