"""Writes safetensors_dtypes.safetensors: the same values stored as F32, F16, BF16, F64 and I64/I32,
each next to the fp32 (or int64) values PyTorch converts them to, so the C# reader can be checked exactly."""
import os
import sys

import torch

from _golden import setup, write_safetensors


def main(out_dir):
    setup()
    special = torch.tensor([0.0, -0.0, 1.0, -1.0, 0.5, 65504.0, -65504.0, 6.1e-5, 5.96e-8, 1e-40, 3.0e38,
                            float("inf"), float("-inf"), float("nan"), 1.0009765625, 1.00048828125, 0.333333343])
    x = torch.cat([special, torch.randn(3 * 7 * 16 - special.numel()) * 3.0]).reshape(3, 7, 16)
    ints = torch.tensor([[0, 1, -1, 2**40, -(2**40)], [2**62, -(2**62), 7, 123456789, -5]], dtype=torch.int64)
    tensors = {
        "x.f32": x,
        "x.f16": x.to(torch.float16),
        "x.f16.as_f32": x.to(torch.float16).to(torch.float32),
        "x.bf16": x.to(torch.bfloat16),
        "x.bf16.as_f32": x.to(torch.bfloat16).to(torch.float32),
        "x.f64": x.to(torch.float64) * (1 + 1e-12),
        "x.f64.as_f32": (x.to(torch.float64) * (1 + 1e-12)).to(torch.float32),
        "scalar.f32": torch.tensor(2.5),
        "empty.f32": torch.zeros(0, 4),
        "ids.i64": ints,
        "ids.i32": ints.clamp(-(2**31), 2**31 - 1).to(torch.int32),
        "ids.i32.as_i64": ints.clamp(-(2**31), 2**31 - 1).to(torch.int32).to(torch.int64),
        "bytes.u8": torch.arange(0, 256, dtype=torch.uint8),
    }
    write_safetensors(os.path.join(out_dir, "safetensors_dtypes.safetensors"), tensors,
                      metadata={"format": "pt", "source": "tests/reference/safetensors_files.py"})


if __name__ == "__main__":
    main(sys.argv[1])
