"""Golden data for the SAE core (src/Fpo.Sae): for ReLU, TopK, BatchTopK and JumpReLU on small random weights, the
pre-activations, dense codes, reconstruction, every loss and every gradient by autograd in float64 from float32 inputs.
Losses follow SAELens: MSE summed over d_in and averaged over tokens; ReLU's L1 weighted by decoder row norms; JumpReLU's
L0 with the rectangle-kernel straight-through estimator (as SAELens' JumpReLU/Step autograd functions); TopK's AuxK of
Gao et al. 2024 (k_aux largest relu(pre) of dead latents reconstruct the detached error x − x̂ without the decoder
bias, same normalisation as the MSE). dx is the gradient through the encoder only (loss targets held constant).
Weights use our orientation: W_enc (F, D), W_dec (F, D). Writes sae.golden.safetensors with keys '{case}.{name}'; case topk_raw_input does not subtract b_dec from the input."""
import os
import sys

import torch

from _golden import setup, write_safetensors

# Mirrored by tests/Fpo.Sae.Tests/SaeGoldenTests.cs.
B, D, F, K, K_AUX = 6, 16, 48, 4, 8
L1, L0, AUX, BANDWIDTH = 0.7, 0.3, 1.0 / 32, 0.5
MARGIN = 1e-3  # no pre-activation this close to a decision boundary, so float32 rounding cannot flip a selection


def rect(u):
    return ((u > -0.5) & (u < 0.5)).to(u)


class JumpReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, threshold, bandwidth):
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return x * (x > threshold)

    @staticmethod
    def backward(ctx, grad):
        x, threshold = ctx.saved_tensors
        eps = ctx.bandwidth
        dthreshold = (-(threshold / eps) * rect((x - threshold) / eps) * grad).sum(dim=0)
        return (x > threshold) * grad, dthreshold, None


class Step(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, threshold, bandwidth):
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return (x > threshold).to(x)

    @staticmethod
    def backward(ctx, grad):
        x, threshold = ctx.saved_tensors
        eps = ctx.bandwidth
        return torch.zeros_like(x), (-(1.0 / eps) * rect((x - threshold) / eps) * grad).sum(dim=0), None


def topk_codes(values, k):
    top = values.topk(k, dim=-1)
    return torch.zeros_like(values).scatter(-1, top.indices, top.values)


def kth_gap(values, k):
    """Smallest gap around the k-th largest entry of each row (selection margin)."""
    s = values.sort(dim=-1, descending=True).values
    return (s[..., k - 1] - s[..., k]).min().item() if values.shape[-1] > k else 1.0


def run(arch, seed, apply_b_dec=True, name=None):
    name = name or arch
    g = torch.Generator().manual_seed(seed)
    t = {
        "x": torch.randn(B, D, generator=g),
        "W_enc": torch.randn(F, D, generator=g) / D ** 0.5,
        "b_enc": torch.randn(F, generator=g) * 0.1,
        "W_dec": torch.randn(F, D, generator=g) / D ** 0.5,
        "b_dec": torch.randn(D, generator=g) * 0.1,
        "threshold": torch.rand(F, generator=g) * 0.7 + 0.3,
        "dead": (torch.rand(F, generator=g) < 0.5).to(torch.float32),
    }
    p = {n: v.double().clone().requires_grad_() for n, v in t.items() if n not in ("x", "dead")}
    x = t["x"].double()
    x_enc = x.clone().requires_grad_()
    pre = ((x_enc - p["b_dec"]) if apply_b_dec else x_enc) @ p["W_enc"].t() + p["b_enc"]
    relu = torch.relu(pre)
    margin = pre.abs().min().item()
    if arch == "relu":
        codes = relu
    elif arch == "topk":
        codes = topk_codes(relu, K)
        margin = min(margin, kth_gap(relu, K))
    elif arch == "batchtopk":
        flat = relu.reshape(-1)
        codes = topk_codes(flat, B * K).reshape(B, F)
        margin = min(margin, kth_gap(flat, B * K))
    else:
        codes = JumpReLU.apply(pre, p["threshold"], BANDWIDTH)
        th = p["threshold"].detach()
        for edge in (th, th - BANDWIDTH / 2, th + BANDWIDTH / 2):
            margin = min(margin, (pre.detach() - edge).abs().min().item())
    xhat = codes @ p["W_dec"] + p["b_dec"]
    mse = ((xhat - x) ** 2).sum(dim=-1).mean()
    sparsity = torch.zeros((), dtype=torch.float64)
    aux = torch.zeros((), dtype=torch.float64)
    if arch == "relu":
        sparsity = L1 * (codes * p["W_dec"].norm(dim=1)).sum(dim=-1).mean()
    elif arch == "jumprelu":
        sparsity = L0 * Step.apply(pre, p["threshold"], BANDWIDTH).sum(dim=-1).mean()
    else:
        dead = t["dead"].bool()
        masked = torch.where(dead[None], relu, torch.full_like(relu, -1.0))
        margin = min(margin, kth_gap(masked, K_AUX))
        aux_codes = torch.relu(topk_codes(masked, K_AUX))
        error = (x - xhat).detach()
        aux = AUX * ((aux_codes @ p["W_dec"] - error) ** 2).sum(dim=-1).mean()
    total = mse + sparsity + aux
    total.backward()
    out = {f"{name}.{n}": v for n, v in t.items()}
    out.update({f"{name}.pre": pre.detach(), f"{name}.codes": codes.detach(), f"{name}.xhat": xhat.detach(),
                f"{name}.loss_mse": mse.detach().reshape(1), f"{name}.loss_sparsity": sparsity.detach().reshape(1),
                f"{name}.loss_aux": aux.detach().reshape(1), f"{name}.grad_x": x_enc.grad})
    for n, v in p.items():
        if v.grad is not None:
            out[f"{name}.grad_{n}"] = v.grad
    return {k: v.float() for k, v in out.items()}, margin


if __name__ == "__main__":
    setup(4)
    tensors = {}
    cases = [("relu", True), ("topk", True), ("batchtopk", True), ("jumprelu", True), ("topk", False)]
    for i, (arch, apply_b_dec) in enumerate(cases):
        seed = 100 * i
        name = arch if apply_b_dec else arch + "_raw_input"
        while True:
            out, margin = run(arch, seed, apply_b_dec, name)
            if margin > MARGIN:
                break
            seed += 1
        tensors.update(out)
    write_safetensors(os.path.join(sys.argv[1], "sae.golden.safetensors"), tensors)
