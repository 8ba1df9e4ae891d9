#!/usr/bin/env python3
"""HF `generate` peer of `ouro generate bench` (run by it in a child process, so its peak RSS is its own).

Same shape as the DJL side (`tiny`: vocab 1000, hidden 64, 2 layers, 4 heads, ffn 256, 128 positions; `opt-125m`:
vocab 50272, hidden 768, 12 layers, 12 heads, ffn 3072, 2048 positions), random weights (torch.manual_seed(SEED);
not DJL's draw, which does not change the work done), eval + no_grad, fp32, the very prompts the Java side made
(--prompts: a JSON array of id arrays, all one length), the Shumailov protocol: num_beams (5),
repetition_penalty (3.0), length_penalty 1, early_stopping False, exactly --new-tokens new tokens
(min_new_tokens = max_new_tokens, so EOS is never chosen; the output length is checked). One warm-up call with 2
new tokens, then --repeat timed calls (synchronised on CUDA).

Prints one JSON line: times (s), best_s, median_s, new_tokens_per_s (prompts * new tokens / best), peak_rss_bytes
(VmHWM of /proc/self/status), cuda_peak_allocated_bytes (torch.cuda.max_memory_allocated, CUDA only),
device_name, n_params, torch, transformers. Without torch or transformers: {"skipped": why}, exit 3.

    .venv/bin/python scripts/bench/generate_bench_hf.py --shape tiny --prompts p.json --new-tokens 8
"""
import argparse
import json
import statistics
import sys
import time

SHAPES = {
    "tiny": dict(vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, ffn_dim=256,
                 max_position_embeddings=128, word_embed_proj_dim=64),
    "opt-125m": dict(vocab_size=50272, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, ffn_dim=3072,
                     max_position_embeddings=2048, word_embed_proj_dim=768),
}


def peak_rss():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="opt-125m", choices=sorted(SHAPES))
    ap.add_argument("--prompts", required=True)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--beams", type=int, default=5)
    ap.add_argument("--repetition-penalty", type=float, default=3.0)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", default="fp32", choices=["fp32", "bf16", "fp16"])
    a = ap.parse_args()
    try:
        import torch
        import transformers
        from transformers import OPTConfig, OPTForCausalLM
    except ImportError as e:
        print(json.dumps({"skipped": f"no torch + transformers ({e})"}))
        sys.exit(3)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    cfg = OPTConfig(**SHAPES[a.shape], do_layer_norm_before=True, activation_function="relu", enable_bias=True,
                    tie_word_embeddings=True, dropout=0.0, attention_dropout=0.0, pad_token_id=1, bos_token_id=2,
                    eos_token_id=2)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[a.dtype]
    model = OPTForCausalLM._from_config(cfg, attn_implementation=a.attn).to(dev).eval()
    model = model.to(dtype)  # every weight, as from_pretrained(torch_dtype=...) and the Java side's cast
    with open(a.prompts) as f:
        ids = torch.tensor(json.load(f), dtype=torch.long, device=dev)
    mask = torch.ones_like(ids)
    n = a.new_tokens
    args = dict(do_sample=False, num_beams=a.beams, repetition_penalty=a.repetition_penalty, length_penalty=1.0,
                early_stopping=False, eos_token_id=2, pad_token_id=1, bos_token_id=2)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)
    times = []
    with torch.no_grad():
        warm = min(2, n)
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=warm, min_new_tokens=warm, **args)
        for _ in range(a.repeat):
            sync()
            t0 = time.perf_counter()
            out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=n, min_new_tokens=n, **args)
            sync()
            times.append(time.perf_counter() - t0)
            if out.shape != (ids.shape[0], ids.shape[1] + n):
                raise SystemExit(f"generate returned {tuple(out.shape)}, expected "
                                 f"{(ids.shape[0], ids.shape[1] + n)}")
    best = min(times)
    row = {"shape": a.shape, "prompts": ids.shape[0], "prompt_len": ids.shape[1], "new_tokens": n,
           "beams": a.beams, "repetition_penalty": a.repetition_penalty, "attn": a.attn, "dtype": a.dtype, "device": str(dev),
           "threads": torch.get_num_threads(), "times": times, "best_s": best, "median_s": statistics.median(times),
           "new_tokens_per_s": ids.shape[0] * n / best, "peak_rss_bytes": peak_rss(),
           "n_params": sum(p.numel() for p in model.parameters()), "torch": torch.__version__,
           "transformers": transformers.__version__}
    if dev.type == "cuda":
        row["cuda_peak_allocated_bytes"] = torch.cuda.max_memory_allocated(dev)
        row["device_name"] = torch.cuda.get_device_name(dev)
    print(json.dumps(row))


if __name__ == "__main__":
    main()
