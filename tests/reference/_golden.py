"""Shared helpers for the golden-data scripts: a small safetensors writer (the
`safetensors` package is not in Debian's PyTorch) and deterministic set-up."""
import json
import struct

import torch

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
           torch.int64: "I64", torch.int32: "I32", torch.float64: "F64", torch.uint8: "U8"}


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} in the safetensors layout: u64 header length, JSON header, raw little-endian data."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    data = json.dumps(header, separators=(",", ":")).encode()
    data += b" " * ((8 - len(data) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(data)))
        f.write(data)
        for b in blobs:
            f.write(b)


def setup(seed=1234):
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
