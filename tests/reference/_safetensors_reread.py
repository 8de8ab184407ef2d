"""Reads a safetensors file with plain json/struct and PyTorch, checking the layout rules of the format,
and writes every tensor again as F32 (floats) or I64 (integers) with _golden.write_safetensors.
The C# tests use it to check files written by SafetensorsWriter with a reader that is not ours.
Usage: _safetensors_reread.py <in.safetensors> <out.safetensors>"""
import json
import struct
import sys

import torch

from _golden import write_safetensors

_TORCH = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
          "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
          "BOOL": torch.bool}
_SIZE = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def main(src, dst):
    blob = open(src, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert n % 8 == 0, f"header length {n} is not a multiple of 8"
    text = blob[8:8 + n].decode("utf-8")
    assert text.startswith("{") and text.rstrip(" ").endswith("}"), "header is not a JSON object padded with spaces"
    header = json.loads(text)
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    out, end = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        assert set(info) == {"dtype", "shape", "data_offsets"}, info
        begin, stop = info["data_offsets"]
        assert begin == end, f"{name}: starts at {begin}, previous tensor ends at {end}"
        numel = 1
        for d in info["shape"]:
            numel *= d
        assert stop - begin == numel * _SIZE[info["dtype"]], name
        assert (8 + n + begin) % _SIZE[info["dtype"]] == 0, f"{name} is not aligned"
        raw = bytearray(data[begin:stop])
        t = (torch.frombuffer(raw, dtype=_TORCH[info["dtype"]]) if raw else torch.zeros(0, dtype=_TORCH[info["dtype"]]))
        t = t.reshape(info["shape"])
        out[name] = t.to(torch.float32) if t.is_floating_point() else t.to(torch.int64)
        end = stop
    assert end == len(data), f"{len(data) - end} trailing bytes"
    write_safetensors(dst, out, metadata={"metadata": json.dumps(metadata, sort_keys=True)})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
