#!/usr/bin/env python3
"""Write an OPT-125m-shaped checkpoint with random weights exactly as the hub ships facebook/opt-125m:
config.json (the real one's shape fields) + pytorch_model.bin = torch.save (zip) of the fp16 OPTModel state dict
with `decoder.*` keys, plus a tokenizer (vocab.json + merges.txt) copied from a directory you give.
With --safetensors-fp32 it writes the same weights (same seed, not rounded to fp16) as an fp32 model.safetensors
with OPTForCausalLM's `model.decoder.*` keys instead, as `save_pretrained` would (tied lm_head left out).

    .venv/bin/python scripts/bench/make_opt125m_pickle.py OUT_DIR models/src/test/resources/golden/tokenizer [--safetensors-fp32]

The hub is out of reach here; the real facebook/opt-125m has the same tensors, dtypes and key layout.
"""
import json
import shutil
import sys
from pathlib import Path

import torch
from transformers import OPTConfig, OPTModel

out, tok = Path(sys.argv[1]), Path(sys.argv[2])
fp32 = "--safetensors-fp32" in sys.argv[3:]
out.mkdir(parents=True, exist_ok=True)
torch.manual_seed(0)
cfg = OPTConfig(vocab_size=50272, hidden_size=768, num_hidden_layers=12, ffn_dim=3072, num_attention_heads=12,
                max_position_embeddings=2048, word_embed_proj_dim=768, do_layer_norm_before=True,
                activation_function="relu", dropout=0.1, attention_dropout=0.0, enable_bias=True,
                layer_norm_elementwise_affine=True, pad_token_id=1, bos_token_id=2, eos_token_id=2)
model = OPTModel(cfg) if fp32 else OPTModel(cfg).half()
if fp32:
    from safetensors.torch import save_file

    sd = {"model." + k: v.contiguous() for k, v in model.state_dict().items()}
    weights = out / "model.safetensors"
    save_file(sd, weights, metadata={"format": "pt"})
else:
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    weights = out / "pytorch_model.bin"
    torch.save(sd, weights)
d = cfg.to_dict()
d["architectures"] = ["OPTForCausalLM"]
d["torch_dtype"] = "float32" if fp32 else "float16"
(out / "config.json").write_text(json.dumps(d, indent=2))
for f in ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"):
    if (tok / f).exists():
        shutil.copy(tok / f, out / f)
n = sum(v.numel() for v in sd.values())
print(f"{out}: {len(sd)} tensors, {n / 1e6:.1f}M parameters, {weights.stat().st_size / 2**20:.0f} MiB")
