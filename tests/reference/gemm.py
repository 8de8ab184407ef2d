"""Golden GEMM data: random A, B and torch.matmul(op(A), op(B)) for each transpose case and a few awkward sizes.

Writes gemm.safetensors with, per case NAME, tensors NAME.a, NAME.b, NAME.c; A and B are stored as the GEMM reads
them (A as (k,m) when transA, B as (n,k) when transB) and the metadata lists each case as m,n,k,transA,transB.
"""
import sys

import torch

from _golden import setup, write_safetensors

CASES = [(64, 48, 80, False, False), (33, 65, 17, True, False), (70, 31, 129, False, True),
         (257, 129, 300, True, True), (1, 97, 64, False, False)]


def main(out_dir):
    setup()
    tensors, metadata = {}, {}
    for m, n, k, trans_a, trans_b in CASES:
        name = f"m{m}_n{n}_k{k}_{'t' if trans_a else 'n'}{'t' if trans_b else 'n'}"
        a = torch.randn(k, m) if trans_a else torch.randn(m, k)
        b = torch.randn(n, k) if trans_b else torch.randn(k, n)
        c = torch.matmul(a.t() if trans_a else a, b.t() if trans_b else b)
        tensors.update({f"{name}.a": a, f"{name}.b": b, f"{name}.c": c})
        metadata[name] = f"{m},{n},{k},{int(trans_a)},{int(trans_b)}"
    write_safetensors(f"{out_dir}/gemm.safetensors", tensors, metadata)


if __name__ == "__main__":
    main(sys.argv[1])
