"""The PyTorch side of bench/safetensors.cs: reads every tensor of each safetensors file into a
preallocated fp32 tensor (memory-mapped bytes -> torch.frombuffer -> copy_ with dtype conversion),
the same work as SafetensorsFile.Open + ReadFloat32 into an existing buffer.

usage: safetensors_torch.py THREADS FILE [FILE ...]
prints one JSON object: {"threads": T, "results": [{"file": F, "seconds": s}, ...]}, best of 5 reads per file.
"""
import json
import mmap
import struct
import sys
import time
import warnings

import torch

# frombuffer warns that the mapping is read-only; the tensors it makes are only read.
warnings.filterwarnings("ignore", message="The given buffer is not writable")

_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_all(path, outs):
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        (n,) = struct.unpack("<Q", m[:8])
        header = json.loads(m[8:8 + n])
        header.pop("__metadata__", None)
        for name, info in header.items():
            begin, end = info["data_offsets"]
            dtype = _DTYPES[info["dtype"]]
            count = (end - begin) // torch.tensor([], dtype=dtype).element_size()
            src = torch.frombuffer(m, dtype=dtype, count=count, offset=8 + n + begin)
            if name not in outs:
                outs[name] = torch.empty(info["shape"], dtype=torch.float32)
            outs[name].view(-1).copy_(src)
            del src


def main():
    threads, files = int(sys.argv[1]), sys.argv[2:]
    torch.set_num_threads(threads)
    results = []
    for path in files:
        outs = {}
        read_all(path, outs)
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            read_all(path, outs)
            best = min(best, time.perf_counter() - t0)
        results.append({"file": path, "seconds": best})
    print(json.dumps({"threads": threads, "results": results}))


if __name__ == "__main__":
    main()
