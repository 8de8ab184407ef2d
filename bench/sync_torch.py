"""The PyTorch side of `fpo bench sync`: fp32 -> bfloat16 narrowing (`.to(torch.bfloat16)`) and the exact widening
back of N random-normal weights, the work PolicySnapshot.Files/Load do per value for a BF16 snapshot.

usage: sync_torch.py --count 124439808 --threads 2 --repeats 3
prints one JSON object: {"threads": T, "count": N, "narrow_seconds": s, "widen_seconds": s} (best of the repeats).
"""
import argparse
import json
import time

import torch


def best(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    weights = torch.randn(a.count) * 0.02
    narrow_out = torch.empty(a.count, dtype=torch.bfloat16)
    widen_out = torch.empty(a.count, dtype=torch.float32)
    narrow = best(lambda: narrow_out.copy_(weights), a.repeats)
    widen = best(lambda: widen_out.copy_(narrow_out), a.repeats)
    print(json.dumps({"threads": a.threads, "count": a.count, "narrow_seconds": narrow, "widen_seconds": widen}))


if __name__ == "__main__":
    main()
