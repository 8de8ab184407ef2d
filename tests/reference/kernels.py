"""Golden data for the Fpo.Tensors kernels: for small random inputs, each kernel's outputs and the
gradients of sum(out * dout) by torch autograd. Inputs are float32 values; the kernels run in float64 so
the references carry no float32 rounding of their own (torch's float32 GELU backward is off by 2e-7 where
1 + tanh cancels). Integer inputs (tokens, positions, targets) are stored as F32 (exact for these small
values). Writes kernels.safetensors into argv[1]."""
import math
import os
import sys

import torch
import torch.nn.functional as F

import _golden


def grads(out, dout, *inputs):
    return torch.autograd.grad((out * dout).sum(), inputs)


def main(out_dir):
    _golden.setup()
    t = {}

    def put(prefix, **tensors):
        for name, value in tensors.items():
            t[f"{prefix}.{name}"] = value.detach().float().contiguous()

    def rand(*shape, scale=1.0):
        return (torch.randn(*shape) * scale).double().requires_grad_()

    # linear: N=6, C=20, OC=12
    x, w, b = rand(6, 20), rand(12, 20), rand(12)
    y = F.linear(x, w, b)
    d = torch.randn(y.shape).double()
    put("linear", inp=x, weight=w, bias=b, dout=d, out=y, **dict(zip(["dinp", "dweight", "dbias"], grads(y, d, x, w, b))))

    # layernorm: N=5, C=24, eps 1e-5
    x, w, b = rand(5, 24, scale=2.0), rand(24), rand(24)
    y = F.layer_norm(x, (24,), w, b, 1e-5)
    d = torch.randn(y.shape).double()
    put("layernorm", inp=x, weight=w, bias=b, dout=d, out=y, **dict(zip(["dinp", "dweight", "dbias"], grads(y, d, x, w, b))))

    # rmsnorm (Llama): N=5, C=24, eps 1e-6
    x, w = rand(5, 24, scale=2.0), rand(24)
    y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w
    d = torch.randn(y.shape).double()
    put("rmsnorm", inp=x, weight=w, dout=d, out=y, **dict(zip(["dinp", "dweight"], grads(y, d, x, w))))

    # gelu (tanh): 100 values
    x = rand(100, scale=3.0)
    y = F.gelu(x, approximate="tanh")
    d = torch.randn(y.shape).double()
    put("gelu", inp=x, dout=d, out=y, dinp=grads(y, d, x)[0])

    # swiglu: 100 values
    g, u = rand(100, scale=3.0), rand(100)
    y = F.silu(g) * u
    d = torch.randn(y.shape).double()
    put("swiglu", gate=g, up=u, dout=d, out=y, **dict(zip(["dgate", "dup"], grads(y, d, g, u))))

    # softmax: N=4, C=30 with some -inf
    x = (torch.randn(4, 30) * 3).double()
    x[1, ::4] = -math.inf
    x.requires_grad_()
    y = torch.softmax(x, -1)
    d = torch.randn(y.shape).double()
    put("softmax", inp=x, dout=d, out=y, dinp=grads(y, d, x)[0])

    # rope (HF rotate_half): N=6 rows of NH=3 heads, HS=8, theta 10000
    N, NH, HS, theta = 6, 3, 8, 10000.0
    pos = torch.tensor([0, 1, 2, 5, 17, 40])
    inv_freq = 1.0 / (theta ** (torch.arange(0, HS, 2).double() / HS))
    freqs = torch.outer(pos.double(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None, :], emb.sin()[:, None, :]
    x = rand(N, NH, HS)
    rotate_half = lambda v: torch.cat((-v[..., HS // 2:], v[..., :HS // 2]), dim=-1)
    y = x * cos + rotate_half(x) * sin
    d = torch.randn(y.shape).double()
    put("rope", inp=x, positions=pos, dout=d, out=y, dinp=grads(y, d, x)[0])

    # attention: B=2, T=7, NH=4, NKV=2, HS=8, causal, GQA by repeat_interleave
    B, T, NH, NKV, HS = 2, 7, 4, 2, 8
    qkv = rand(B, T, (NH + 2 * NKV) * HS)
    q = qkv[..., :NH * HS].view(B, T, NH, HS).transpose(1, 2)
    k = qkv[..., NH * HS:(NH + NKV) * HS].view(B, T, NKV, HS).transpose(1, 2).repeat_interleave(NH // NKV, dim=1)
    v = qkv[..., (NH + NKV) * HS:].view(B, T, NKV, HS).transpose(1, 2).repeat_interleave(NH // NKV, dim=1)
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(HS)
    scores = scores.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), -math.inf)
    att = torch.softmax(scores, -1)
    y = (att @ v).transpose(1, 2).reshape(B, T, NH * HS)
    d = torch.randn(y.shape).double()
    put("attention", qkv=qkv, dout=d, out=y, att=att, dqkv=grads(y, d, qkv)[0])

    # cross-entropy: N=6, V=50, targets with ignored rows
    logits = rand(6, 50, scale=4.0)
    targets = torch.tensor([3, -1, 49, 0, -1, 17])
    losses = F.cross_entropy(logits, targets, ignore_index=-1, reduction="none")
    dl = torch.randn(losses.shape).double()
    put("crossentropy", logits=logits, targets=targets, dlosses=dl, losses=losses,
        probs=torch.softmax(logits, -1), dlogits=grads(losses, dl, logits)[0])

    # embedding: N=8, C=6, V=10, 5 positions
    wte, wpe = rand(10, 6), rand(5, 6)
    tokens = torch.tensor([1, 9, 1, 0, 4, 4, 4, 7])
    positions = torch.tensor([0, 1, 2, 3, 4, 0, 1, 2])
    y = F.embedding(tokens, wte) + F.embedding(positions, wpe)
    d = torch.randn(y.shape).double()
    put("embedding", wte=wte, wpe=wpe, tokens=tokens, positions=positions, dout=d, out=y,
        **dict(zip(["dwte", "dwpe"], grads(y, d, wte, wpe))))

    _golden.write_safetensors(os.path.join(out_dir, "kernels.safetensors"), t)


if __name__ == "__main__":
    main(sys.argv[1])
