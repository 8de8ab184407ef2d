"""Golden data for the Llama family in plain torch with Hugging Face's math (RMSNorm in fp32, rotate_half RoPE,
GQA by repeat_interleave of kv heads, SwiGLU MLP). Two fixtures: model_llama (LlamaForCausalLM, no biases,
untied head) and model_qwen2 (Qwen2ForCausalLM, q/k/v bias, tied head). See _model_golden.py for the contents."""
import sys

import torch
import torch.nn.functional as F

from _golden import setup
from _model_golden import causal_attention, write_fixture

L, C, NH, NKV, V, H, P = 2, 64, 4, 2, 97, 176, 64
HS = C // NH
EPS = 1e-6
THETA = 10000.0


def make_params(qkv_bias, tied):
    p = {"model.embed_tokens.weight": torch.randn(V, C) * 0.02}
    for i in range(L):
        h = f"model.layers.{i}."
        p[h + "input_layernorm.weight"] = 1 + 0.1 * torch.randn(C)
        p[h + "self_attn.q_proj.weight"] = torch.randn(NH * HS, C) * 0.05
        p[h + "self_attn.k_proj.weight"] = torch.randn(NKV * HS, C) * 0.05
        p[h + "self_attn.v_proj.weight"] = torch.randn(NKV * HS, C) * 0.05
        if qkv_bias:
            p[h + "self_attn.q_proj.bias"] = torch.randn(NH * HS) * 0.05
            p[h + "self_attn.k_proj.bias"] = torch.randn(NKV * HS) * 0.05
            p[h + "self_attn.v_proj.bias"] = torch.randn(NKV * HS) * 0.05
        p[h + "self_attn.o_proj.weight"] = torch.randn(C, NH * HS) * 0.05
        p[h + "post_attention_layernorm.weight"] = 1 + 0.1 * torch.randn(C)
        p[h + "mlp.gate_proj.weight"] = torch.randn(H, C) * 0.05
        p[h + "mlp.up_proj.weight"] = torch.randn(H, C) * 0.05
        p[h + "mlp.down_proj.weight"] = torch.randn(C, H) * 0.05
    p["model.norm.weight"] = 1 + 0.1 * torch.randn(C)
    if not tied:
        p["lm_head.weight"] = torch.randn(V, C) * 0.05
    return {k: v.requires_grad_() for k, v in p.items()}


def rms_norm(x, w):
    x32 = x.to(torch.float32)
    return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + EPS))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope(Tt):
    inv_freq = 1.0 / (THETA ** (torch.arange(0, HS, 2).float() / HS))
    freqs = torch.outer(torch.arange(Tt).float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def linear(x, p, name):
    bias = p.get(name + ".bias")
    return F.linear(x, p[name + ".weight"], bias)


def forward(p, tokens):
    Bt, Tt = tokens.shape
    cos, sin = rope(Tt)
    x = p["model.embed_tokens.weight"][tokens]
    resid = []
    for i in range(L):
        h = f"model.layers.{i}."
        a = rms_norm(x, p[h + "input_layernorm.weight"])
        q = linear(a, p, h + "self_attn.q_proj").reshape(Bt, Tt, NH, HS).transpose(1, 2)
        k = linear(a, p, h + "self_attn.k_proj").reshape(Bt, Tt, NKV, HS).transpose(1, 2)
        v = linear(a, p, h + "self_attn.v_proj").reshape(Bt, Tt, NKV, HS).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(NH // NKV, dim=1)
        v = v.repeat_interleave(NH // NKV, dim=1)
        x = x + causal_attention(q, k, v) @ p[h + "self_attn.o_proj.weight"].T
        m = rms_norm(x, p[h + "post_attention_layernorm.weight"])
        m = F.silu(m @ p[h + "mlp.gate_proj.weight"].T) * (m @ p[h + "mlp.up_proj.weight"].T)
        x = x + m @ p[h + "mlp.down_proj.weight"].T
        resid.append(x)
    x = rms_norm(x, p["model.norm.weight"])
    head = p.get("lm_head.weight", p["model.embed_tokens.weight"])
    return x @ head.T, resid


def config(arch, model_type, qkv_bias, tied):
    c = {"architectures": [arch], "model_type": model_type, "vocab_size": V, "hidden_size": C,
         "intermediate_size": H, "num_hidden_layers": L, "num_attention_heads": NH, "num_key_value_heads": NKV,
         "max_position_embeddings": P, "rms_norm_eps": EPS, "rope_theta": THETA, "hidden_act": "silu",
         "tie_word_embeddings": tied, "torch_dtype": "float32"}
    if model_type == "llama":
        c["attention_bias"] = qkv_bias
    return c


if __name__ == "__main__":
    setup(2025)
    write_fixture(sys.argv[1], "model_llama", config("LlamaForCausalLM", "llama", False, False),
                  make_params(qkv_bias=False, tied=False), forward, V)
    write_fixture(sys.argv[1], "model_qwen2", config("Qwen2ForCausalLM", "qwen2", True, True),
                  make_params(qkv_bias=True, tied=True), forward, V)
