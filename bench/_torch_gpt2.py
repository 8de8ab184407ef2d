"""The layers of the PyTorch GPT-2 both benchmark scripts time; each script adds its own forward.

One definition keeps the two benchmarks' models identical: fp32, tied embeddings, biases, LayerNorm eps 1e-5,
weights drawn from N(0, 0.02) as GPT-2 initialises them.
"""
import torch.nn as nn


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
