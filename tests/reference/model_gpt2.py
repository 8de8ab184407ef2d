"""Golden data for the GPT-2 family: a tiny random GPT2LMHeadModel in plain torch with Hugging Face's math
(Conv1D weights (in,out), gelu_new, LayerNorm eps 1e-5, tied head). See _model_golden.py for what is written."""
import math
import sys

import torch
import torch.nn.functional as F

from _golden import setup
from _model_golden import causal_attention, write_fixture

L, C, NH, V, P = 2, 64, 4, 97, 32
H = 4 * C
EPS = 1e-5


def make_params():
    p = {"wte.weight": torch.randn(V, C) * 0.02, "wpe.weight": torch.randn(P, C) * 0.01}
    for i in range(L):
        h = f"h.{i}."
        p[h + "ln_1.weight"] = 1 + 0.1 * torch.randn(C)
        p[h + "ln_1.bias"] = 0.1 * torch.randn(C)
        p[h + "attn.c_attn.weight"] = torch.randn(C, 3 * C) * 0.02
        p[h + "attn.c_attn.bias"] = torch.randn(3 * C) * 0.02
        p[h + "attn.c_proj.weight"] = torch.randn(C, C) * 0.02 / math.sqrt(2 * L)
        p[h + "attn.c_proj.bias"] = torch.randn(C) * 0.02
        p[h + "ln_2.weight"] = 1 + 0.1 * torch.randn(C)
        p[h + "ln_2.bias"] = 0.1 * torch.randn(C)
        p[h + "mlp.c_fc.weight"] = torch.randn(C, H) * 0.02
        p[h + "mlp.c_fc.bias"] = torch.randn(H) * 0.02
        p[h + "mlp.c_proj.weight"] = torch.randn(H, C) * 0.02 / math.sqrt(2 * L)
        p[h + "mlp.c_proj.bias"] = torch.randn(C) * 0.02
    p["ln_f.weight"] = 1 + 0.1 * torch.randn(C)
    p["ln_f.bias"] = 0.1 * torch.randn(C)
    return {k: v.requires_grad_() for k, v in p.items()}


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(p, tokens, edit=None):
    """edit(layer, x) -> x, when given, replaces resid_post of each layer (sae_eval.py splices an SAE there)."""
    Bt, Tt = tokens.shape
    x = p["wte.weight"][tokens] + p["wpe.weight"][torch.arange(Tt)]
    resid = []
    for i in range(L):
        h = f"h.{i}."
        a = F.layer_norm(x, (C,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], EPS)
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]
        q, k, v = (t.reshape(Bt, Tt, NH, C // NH).transpose(1, 2) for t in qkv.split(C, dim=2))
        y = causal_attention(q, k, v) @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        x = x + y
        m = F.layer_norm(x, (C,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], EPS)
        m = gelu_new(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"])
        x = x + (m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"])
        if edit is not None:
            x = edit(i, x)
        resid.append(x)
    x = F.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"], EPS)
    return x @ p["wte.weight"].T, resid


if __name__ == "__main__":
    setup(2024)
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": V, "n_positions": P,
              "n_embd": C, "n_layer": L, "n_head": NH, "n_inner": None, "activation_function": "gelu_new",
              "layer_norm_epsilon": EPS, "tie_word_embeddings": True}
    write_fixture(sys.argv[1], "model_gpt2", config, make_params(), forward, V)
