"""Times torch.matmul on square fp32 matrices; the PyTorch side of the GEMM benchmark.

usage: gemm_torch.py THREADS SIZE [SIZE ...] [--seconds S]
prints one JSON object: {"backend": "torch", "threads": T, "results": [{"size": N, "gflops": G, "seconds": s}, ...]}
GFLOP/s = 2*N^3 / the best time of repeated multiplies after a warm-up, timed until S seconds have passed.
"""
import argparse
import json
import time

import torch


def measure(size, seconds):
    a = torch.randn(size, size, dtype=torch.float32)
    b = torch.randn(size, size, dtype=torch.float32)
    c = torch.empty(size, size, dtype=torch.float32)
    for _ in range(2):
        torch.matmul(a, b, out=c)
    best = float("inf")
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        torch.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return {"size": size, "gflops": 2.0 * size ** 3 / best / 1e9, "seconds": best}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("threads", type=int)
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = [measure(n, args.seconds) for n in args.sizes]
    print(json.dumps({"backend": "torch", "threads": args.threads, "results": results}))


if __name__ == "__main__":
    main()
