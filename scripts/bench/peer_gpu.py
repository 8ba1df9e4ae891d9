#!/usr/bin/env python3
"""Peer-side figures for a GPU box: HF transformers train and generate tokens/s for the OPT-125m shape.

The Java harness cannot run where only Python + torch is installed (DJL 0.35.1's JNI links only against libtorch
2.7.1), so on such a machine this script measures what Ouroboros' numbers will be compared with. Random weights,
the OPT-125m shape (vocab 50272, hidden 768, 12 layers, 12 heads, ffn 3072), eager attention (as Ouroboros) and,
for reference, SDPA.

  train:    B x T random tokens, forward + cross-entropy + backward + clip_grad_norm_(1.0) + AdamW(fused) + zero_grad;
            fp32, bf16 (torch.autocast) and fp16 (autocast + GradScaler); tokens/s = B*T / median step time
  generate: P prompts of 64 tokens, exactly 64 new tokens, greedy and beam 5 + repetition_penalty 3.0 (the Shumailov
            protocol); weights fp32 or bf16; new tokens/s = P*64 / best time

    python3 scripts/bench/peer_gpu.py [--device cuda] [--shape opt-125m] [--out peer.json]
    python3 scripts/bench/peer_gpu.py --device cpu --shape tiny --quick      # smoke check of the script itself

Prints a Markdown table (for docs/benchmarks.md) and writes every figure as JSON to --out.
"""
import argparse
import json
import platform
import statistics
import time

import torch
import transformers
from transformers import OPTConfig, OPTForCausalLM

SHAPES = {
    "tiny": dict(vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, ffn_dim=256,
                 max_position_embeddings=1024, word_embed_proj_dim=64),
    "opt-125m": dict(vocab_size=50272, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, ffn_dim=3072,
                     max_position_embeddings=2048, word_embed_proj_dim=768),
}
HALF = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def model(shape, attn, dev, dropout):
    torch.manual_seed(0)
    cfg = OPTConfig(**SHAPES[shape], dropout=dropout, attention_dropout=0.0, do_layer_norm_before=True,
                    activation_function="relu", enable_bias=True, tie_word_embeddings=True)
    return OPTForCausalLM._from_config(cfg, attn_implementation=attn).to(dev)


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def train(shape, attn, precision, batch, seq, steps, warmup, dev):
    m = model(shape, attn, dev, 0.1).train()
    params = list(m.parameters())
    opt = torch.optim.AdamW(
        [{"params": [p for p in params if p.ndim >= 2], "weight_decay": 0.01},
         {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}], lr=1e-4, fused=True)
    scaler = torch.amp.GradScaler(dev.type, enabled=precision == "fp16")
    half = HALF[precision]
    vocab = m.config.vocab_size
    ids = torch.randint(0, vocab, (batch, seq), generator=torch.Generator().manual_seed(0)).to(dev)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    times = []
    for s in range(warmup + steps):
        sync(dev)
        t0 = time.perf_counter()
        with torch.autocast(dev.type, dtype=half or torch.bfloat16, enabled=half is not None):
            logits = m(input_ids=ids).logits
        loss = torch.nn.functional.cross_entropy(logits.float()[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        sync(dev)
        if s >= warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    row = {"what": "train", "attn": attn, "precision": precision, "batch": batch, "seq": seq, "median_s": med,
           "min_s": min(times), "tokens_per_s": batch * seq / med}
    if dev.type == "cuda":
        row["peak_mem_gib"] = torch.cuda.max_memory_allocated(dev) / 2**30
    del m, opt
    return row


def generate(shape, attn, dtype, mode, prompts, repeat, dev):
    m = model(shape, attn, dev, 0.0).eval().to(HALF[dtype] or torch.float32)
    r = torch.Generator().manual_seed(7)
    ids = torch.cat([torch.full((prompts, 1), 2), torch.randint(4, m.config.vocab_size, (prompts, 63), generator=r)], 1)
    ids = ids.to(dev)
    kw = dict(max_new_tokens=64, min_new_tokens=64, do_sample=False, pad_token_id=1)
    if mode == "beam5":
        kw.update(num_beams=5, repetition_penalty=3.0, early_stopping=False)
    best = float("inf")
    with torch.no_grad():
        for _ in range(repeat + 1):  # the first is a warm-up
            sync(dev)
            t0 = time.perf_counter()
            out = m.generate(input_ids=ids, attention_mask=torch.ones_like(ids), **kw)
            sync(dev)
            best = min(best, time.perf_counter() - t0)
            assert out.shape[1] == 128, out.shape
    del m
    return {"what": "generate", "attn": attn, "dtype": dtype, "mode": mode, "prompts": prompts, "best_s": best,
            "new_tokens_per_s": prompts * 64 / best}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--shape", default="opt-125m", choices=sorted(SHAPES))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="tiny sizes, to check the script")
    ap.add_argument("--out", default="peer.json")
    a = ap.parse_args()
    dev = torch.device(a.device)
    if a.quick:
        a.batch, a.seq, a.prompts, a.steps = 2, 64, 4, 2
    rows = []
    for attn in ("eager", "sdpa"):
        for p in ("fp32", "bf16", "fp16"):
            rows.append(train(a.shape, attn, p, a.batch, a.seq, a.steps, 3, dev))
            print(json.dumps(rows[-1]), flush=True)
    for dtype in ("fp32", "bf16"):
        for mode in ("greedy", "beam5"):
            rows.append(generate(a.shape, "eager", dtype, mode, a.prompts, 1 if a.quick else 2, dev))
            print(json.dumps(rows[-1]), flush=True)
    env = {"device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor() or "cpu",
           "torch": torch.__version__, "transformers": transformers.__version__, "shape": a.shape}
    with open(a.out, "w") as f:
        json.dump({"env": env, "rows": rows}, f, indent=1)
    print(f"\n{env}\n")
    print("| what | attention | precision | size | median s | tokens/s | peak GiB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if r["what"] == "train":
            print(f"| train | {r['attn']} | {r['precision']} | {r['batch']}x{r['seq']} | {r['median_s']:.4f} | "
                  f"{r['tokens_per_s']:.0f} | {r.get('peak_mem_gib', float('nan')):.1f} |")
        else:
            print(f"| generate {r['mode']} | {r['attn']} | {r['dtype']} weights | {r['prompts']} prompts | "
                  f"{r['best_s']:.3f} | {r['new_tokens_per_s']:.0f} | |")


if __name__ == "__main__":
    main()
