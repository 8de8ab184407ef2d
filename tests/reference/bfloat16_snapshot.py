"""Golden data for bfloat16 snapshots, written with PyTorch's own fp32 -> bfloat16 rounding:

bfloat16_rounding.safetensors: "values" (fp32 inputs: normals of several scales, exact ties, +-0, subnormals, the
largest finite values, values that round to infinity, NaN, +-inf), "values.bf16" (torch's rounding of each) and
"values.bf16.as_f32" (widened back).
bf16_snapshot/model.safetensors + config.json: a tiny GPT-2 in Hugging Face names, every tensor BF16 (the file is
written by hand: 8-byte header length, JSON header, data), and bf16_snapshot.golden.safetensors with each tensor
widened to fp32 by torch ("widened.<name>") and the fp32 weights it was rounded from ("source.<name>").
"""
import json
import os
import struct
import sys

import torch

from _golden import setup, write_safetensors
from model_gpt2 import C, EPS, L, NH, P, V, make_params


def bits(x):
    return torch.tensor(struct.unpack(f"<{len(x)}f", struct.pack(f"<{len(x)}I", *x)), dtype=torch.float32)


def rounding_values():
    scales = [1e-30, 1e-3, 0.02, 1.0, 1e3, 1e30]
    normals = torch.cat([torch.randn(200) * s for s in scales])
    ties = bits([
        0x3F808000,  # 1 + 2^-8: halfway between 1 and the next bf16, even below -> down
        0x3F818000,  # odd below -> up
        0xBF808000, 0xBF818000,  # the same, negative
        0x00008000, 0x00018000,  # ties among subnormals
        0x7F7F8000,  # halfway between the largest finite bf16 and the next step: rounds to inf
        0x7F7F7FFF,  # just below that: stays the largest finite bf16
        0x7F7FFFFF,  # fp32's largest finite: rounds to inf
        0xFF7FFFFF,  # ... to -inf
        0x3F80FFFF, 0x3F807FFF, 0x3F800001,  # just above / below a tie
    ])
    special = torch.tensor([0.0, -0.0, 1e-40, -1e-40, 1.4e-45, -1.4e-45, 1.1754942e-38, 1.17549435e-38,
                            3.3895314e38, -3.3895314e38, 3.4028235e38, float("inf"), float("-inf"), float("nan")])
    return torch.cat([special, ties, normals])


def main(out_dir):
    setup(2026)
    values = rounding_values()
    rounded = values.to(torch.bfloat16)
    write_safetensors(os.path.join(out_dir, "bfloat16_rounding.safetensors"),
                      {"values": values, "values.bf16": rounded, "values.bf16.as_f32": rounded.to(torch.float32)},
                      metadata={"format": "pt", "source": "tests/reference/bfloat16_snapshot.py"})

    params = {k: v.detach() for k, v in make_params().items()}
    snapshot_dir = os.path.join(out_dir, "bf16_snapshot")
    os.makedirs(snapshot_dir, exist_ok=True)
    write_safetensors(os.path.join(snapshot_dir, "model.safetensors"),
                      {k: v.to(torch.bfloat16) for k, v in params.items()}, metadata={"format": "pt"})
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": V, "n_positions": P,
              "n_embd": C, "n_layer": L, "n_head": NH, "n_inner": None, "activation_function": "gelu_new",
              "layer_norm_epsilon": EPS, "tie_word_embeddings": True}
    with open(os.path.join(snapshot_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    golden = {}
    for k, v in params.items():
        golden["widened." + k] = v.to(torch.bfloat16).to(torch.float32)
        golden["source." + k] = v
    write_safetensors(os.path.join(out_dir, "bf16_snapshot.golden.safetensors"), golden)


if __name__ == "__main__":
    main(sys.argv[1])
