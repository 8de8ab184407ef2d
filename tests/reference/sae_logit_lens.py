"""Feature logit lens on a tiny random model and SAE: for every latent j, W_U · (g ⊙ (W_dec[j] − mean)) (GPT-2's
LayerNorm, center) and W_U · (g ⊙ W_dec[j]) (RMSNorm). Writes sae_logit_lens.safetensors."""
import os
import sys

import torch

from _golden import setup, write_safetensors


def main(out):
    setup(11)
    V, C, F = 37, 8, 5
    w_u = torch.randn(V, C)
    g = 1 + 0.5 * torch.randn(C)
    w_dec = torch.randn(F, C)
    centered = w_dec - w_dec.mean(dim=-1, keepdim=True)
    gpt2 = (centered * g) @ w_u.T
    llama = (w_dec * g) @ w_u.T
    write_safetensors(os.path.join(out, "sae_logit_lens.safetensors"),
                      {"w_u": w_u, "g": g, "w_dec": w_dec, "logits_gpt2": gpt2, "logits_llama": llama})


if __name__ == "__main__":
    main(sys.argv[1])
