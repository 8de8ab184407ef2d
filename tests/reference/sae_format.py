"""SAELens-layout SAE folders written with torch + json only (the format, not the library), for the C# loader.
Writes <out>/sae_format/<case>/{cfg.json, sae_weights.safetensors} in both cfg forms (v6 nested and the older flat
form), F32/BF16/F16 weights and both W_enc orientations, a Gemma Scope params.npz, plus <case>.expected.safetensors holding the weights as the
loader must return them (fp32, W_enc as (d_sae, d_in)) and expected.json with the config it must read.
Usage: sae_format.py <out>            write the cases
       sae_format.py --read DIR OUT   read a folder written by Fpo with plain json/struct/torch and write its tensors
                                      as F32 to OUT (cfg values in the metadata), checking the documented layout"""
import json
import os
import struct
import sys

import torch

from _golden import setup, write_safetensors

_TORCH = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def case(root, name, cfg, d_in, d_sae, dtype, jump, transposed=False):
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    w_enc = torch.randn(d_in, d_sae)
    w_dec = torch.randn(d_sae, d_in)
    b_enc = torch.randn(d_sae)
    b_dec = torch.randn(d_in)
    tensors = {"W_enc": (w_enc.T if transposed else w_enc), "W_dec": w_dec, "b_enc": b_enc, "b_dec": b_dec}
    if jump:
        tensors["threshold"] = torch.rand(d_sae)
    stored = {k: v.contiguous().to(dtype) for k, v in tensors.items()}
    write_safetensors(os.path.join(folder, "sae_weights.safetensors"), stored)
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    back = {k: v.float() for k, v in stored.items()}
    expected = {"enc": (back["W_enc"] if transposed else back["W_enc"].T).contiguous(), "dec": back["W_dec"],
                "b_enc": back["b_enc"], "b_dec": back["b_dec"]}
    if jump:
        expected["threshold"] = back["threshold"]
    write_safetensors(os.path.join(root, name + ".expected.safetensors"), expected)


def write_cases(out):
    setup(7)
    root = os.path.join(out, "sae_format")
    os.makedirs(root, exist_ok=True)
    nested_meta = {"model_name": "tiny-gpt2", "hook_name": "blocks.2.hook_resid_post", "hook_layer": 2,
                   "hook_head_index": None, "prepend_bos": True, "context_size": 128}
    case(root, "nested_jumprelu_bf16",
         {"architecture": "jumprelu", "d_in": 6, "d_sae": 10, "dtype": "bfloat16", "device": "cpu",
          "apply_b_dec_to_input": False, "normalize_activations": "none", "reshape_activations": "none",
          "meta": nested_meta}, 6, 10, torch.bfloat16, jump=True)
    case(root, "nested_topk_f32_transposed",
         {"architecture": "topk", "d_in": 6, "d_sae": 10, "k": 3, "dtype": "float32", "device": "cpu",
          "apply_b_dec_to_input": True, "normalize_activations": "none", "rescale_acts_by_decoder_norm": False,
          "metadata": dict(nested_meta, hook_name="blocks.0.hook_resid_post", hook_layer=0)},
         6, 10, torch.float32, jump=False, transposed=True)
    case(root, "flat_topk_f16",
         {"architecture": "standard", "d_in": 8, "d_sae": 8, "dtype": "float16", "device": "cpu",
          "model_name": "gpt2", "hook_name": "blocks.3.hook_resid_pre", "hook_layer": 3, "hook_head_index": None,
          "activation_fn_str": "topk", "activation_fn_kwargs": {"k": 2}, "apply_b_dec_to_input": True,
          "finetuning_scaling_factor": False, "normalize_activations": "none", "context_size": 128,
          "dataset_path": "monology/pile-uncopyrighted", "prepend_bos": True}, 8, 8, torch.float16, jump=False)
    case(root, "flat_relu_f32",
         {"architecture": "standard", "d_in": 5, "d_sae": 7, "dtype": "float32", "model_name": "gpt2",
          "hook_name": "blocks.1.hook_resid_post", "hook_layer": 1, "activation_fn_str": "relu",
          "apply_b_dec_to_input": False, "normalize_activations": "none"}, 5, 7, torch.float32, jump=False)
    gemma_scope(root)
    expected = {
        "nested_jumprelu_bf16": {"arch": "JumpReLU", "d_in": 6, "d_sae": 10, "k": 0, "layer": 2, "model": "tiny-gpt2", "b_dec_in": False},
        "nested_topk_f32_transposed": {"arch": "TopK", "d_in": 6, "d_sae": 10, "k": 3, "layer": 0, "model": "tiny-gpt2", "b_dec_in": True},
        "flat_topk_f16": {"arch": "TopK", "d_in": 8, "d_sae": 8, "k": 2, "layer": 2, "model": "gpt2", "b_dec_in": True},
        "flat_relu_f32": {"arch": "ReLU", "d_in": 5, "d_sae": 7, "k": 0, "layer": 1, "model": "gpt2", "b_dec_in": False},
    }
    with open(os.path.join(root, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)


def gemma_scope(root):
    """A Gemma Scope params.npz (numpy.savez of float32 arrays, W_enc as (d_in, d_sae)) and the weights it must give."""
    import numpy as np
    d_in, d_sae = 6, 9
    arrays = {"W_enc": torch.randn(d_in, d_sae), "W_dec": torch.randn(d_sae, d_in), "b_enc": torch.randn(d_sae),
              "b_dec": torch.randn(d_in), "threshold": torch.rand(d_sae)}
    np.savez(os.path.join(root, "gemma_scope_params.npz"), **{k: v.numpy().astype(np.float32) for k, v in arrays.items()})
    write_safetensors(os.path.join(root, "gemma_scope_params.expected.safetensors"),
                      {"enc": arrays["W_enc"].T.contiguous(), "dec": arrays["W_dec"], "b_enc": arrays["b_enc"],
                       "b_dec": arrays["b_dec"], "threshold": arrays["threshold"]})


def read_safetensors(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = bytearray(blob[8 + n + begin:8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=_TORCH[info["dtype"]]).reshape(info["shape"]).float()
    return out


def read_folder(folder, dst):
    cfg = json.load(open(os.path.join(folder, "cfg.json")))
    d_in, d_sae = cfg["d_in"], cfg["d_sae"]
    meta = cfg["meta"]
    tensors = read_safetensors(os.path.join(folder, "sae_weights.safetensors"))
    assert tuple(tensors["W_enc"].shape) == (d_in, d_sae), tensors["W_enc"].shape
    assert tuple(tensors["W_dec"].shape) == (d_sae, d_in), tensors["W_dec"].shape
    assert tuple(tensors["b_enc"].shape) == (d_sae,) and tuple(tensors["b_dec"].shape) == (d_in,)
    if cfg["architecture"] == "jumprelu":
        assert tuple(tensors["threshold"].shape) == (d_sae,)
    assert cfg["normalize_activations"] == "none"
    assert meta["hook_name"].startswith("blocks.") and meta["hook_name"].endswith(".hook_resid_post")
    metadata = {"architecture": cfg["architecture"], "k": cfg.get("k", 0), "hook_name": meta["hook_name"],
                "model_name": meta["model_name"], "apply_b_dec_to_input": cfg["apply_b_dec_to_input"], "dtype": cfg["dtype"]}
    write_safetensors(dst, tensors, metadata)


if __name__ == "__main__":
    if sys.argv[1] == "--read":
        read_folder(sys.argv[2], sys.argv[3])
    else:
        write_cases(sys.argv[1])
