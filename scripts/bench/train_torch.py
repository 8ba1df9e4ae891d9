#!/usr/bin/env python3
"""PyTorch eager reference for `ouro train bench`: the same training step as the Java TrainStep.

HF OPTForCausalLM (eager attention, as our DJL blocks are unfused), random init, train mode with dropout 0.1,
random tokens; per step: token-mean cross-entropy over the B x (T-1) next-token predictions, backward,
clip_grad_norm_(1.0), torch.optim.AdamW(lr 1e-4, wd 0.01 on ndim >= 2), zero_grad. --adamw picks the optimizer
implementation: fused (default; what the Java loop runs, torch._fused_adamw_ + foreach clipping), foreach, or
single (torch's CPU default, a Python loop over tensors). --precision fp16|bf16 runs the forward under
torch.autocast (fp16 with torch.amp.GradScaler), the way Ouroboros' AutocastStore + LossScaler do. --device cuda
times on a GPU (synchronising before every clock read). Prints one JSON line with the timings (s per step) and, on
CUDA, the GPU's name (for MFU); without torch or transformers {"skipped": why} and exit 3.

    .venv/bin/python scripts/bench/train_torch.py --shape opt-125m --batch 2 --seq 128 --steps 5
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import transformers
    from transformers import OPTConfig, OPTForCausalLM
except ImportError as e:  # `ouro train bench` prints this as its one "skipped" line
    print(json.dumps({"skipped": f"no torch + transformers ({e})"}))
    sys.exit(3)

SHAPES = {
    "tiny": dict(vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, ffn_dim=256,
                 max_position_embeddings=128, word_embed_proj_dim=64),
    "opt-125m": dict(vocab_size=50272, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, ffn_dim=3072,
                     max_position_embeddings=2048, word_embed_proj_dim=768),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="tiny", choices=sorted(SHAPES))
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--attn", default="eager", choices=["eager", "sdpa"])
    ap.add_argument("--adamw", default="fused", choices=["fused", "foreach", "single"])
    ap.add_argument("--precision", default="fp32", choices=["fp32", "fp16", "bf16"])
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = OPTConfig(**SHAPES[a.shape], dropout=0.1, attention_dropout=0.0, do_layer_norm_before=True,
                    activation_function="relu", enable_bias=True, tie_word_embeddings=True)
    dev = torch.device(a.device)
    model = OPTForCausalLM._from_config(cfg, attn_implementation=a.attn).to(dev).train()
    params = list(model.parameters())
    opt = torch.optim.AdamW(
        [{"params": [p for p in params if p.ndim >= 2], "weight_decay": 0.01},
         {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}],
        lr=1e-4, betas=(0.9, 0.999), eps=1e-8,
        fused=a.adamw == "fused", foreach=a.adamw == "foreach")
    ids = torch.randint(0, cfg.vocab_size, (a.batch, a.seq), generator=torch.Generator().manual_seed(0)).to(dev)
    half = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(a.precision)
    scaler = torch.amp.GradScaler(dev.type, enabled=a.precision == "fp16")
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    times = []
    for s in range(a.warmup + a.steps):
        sync()
        t0 = time.perf_counter()
        with torch.autocast(dev.type, dtype=half or torch.bfloat16, enabled=half is not None):
            logits = model(input_ids=ids).logits
        logits = logits.float()
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(params, 1.0, foreach=a.adamw != "single")
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        float(loss.detach())
        sync()
        if s >= a.warmup:
            times.append(time.perf_counter() - t0)
    extra = {"device_name": torch.cuda.get_device_name(dev)} if dev.type == "cuda" else {}
    print(json.dumps({**extra, "shape": a.shape, "batch": a.batch, "seq": a.seq, "steps": len(times), "attn": a.attn, "adamw": a.adamw,
                      "precision": a.precision, "device": str(dev),
                      "threads": torch.get_num_threads(), "median_s": statistics.median(times), "min_s": min(times),
                      "max_s": max(times), "torch": torch.__version__, "transformers": transformers.__version__}))


if __name__ == "__main__":
    main()
