"""Golden data for DecodeLinear: torch.nn.functional.linear in fp32, and with the weight rounded to bfloat16
(activations and accumulation in fp32), for decode-sized row counts and C, OC that leave SIMD and block tails."""
import sys

import torch
import torch.nn.functional as F

from _golden import setup, write_safetensors


def main(out_dir):
    setup()
    tensors = {}
    for name, (N, C, OC) in {"small": (5, 100, 67), "wide": (16, 256, 200), "single": (1, 768, 48)}.items():
        inp = torch.randn(N, C)
        weight = torch.randn(OC, C) * 0.05
        bias = torch.randn(OC)
        tensors[f"{name}.inp"] = inp
        tensors[f"{name}.weight"] = weight
        tensors[f"{name}.bias"] = bias
        tensors[f"{name}.out"] = F.linear(inp, weight, bias)
        tensors[f"{name}.out_bf16"] = F.linear(inp, weight.to(torch.bfloat16).float(), bias)
    write_safetensors(f"{out_dir}/decode_linear.safetensors", tensors)


if __name__ == "__main__":
    main(sys.argv[1])
