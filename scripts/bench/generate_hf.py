#!/usr/bin/env python3
"""HF `generate` side of the decoding benchmark (the Java side is models/.../decode/DecodeBench.java).

Same shapes and protocol as DecodeBench: random-weight OPT models (`tiny`: vocab 1000, hidden 64, 2 layers,
4 heads, ffn 128, 1024 positions; `smoke`: configs/smoke.yaml's model, vocab 3200, hidden 64, 2 layers, 4 heads,
ffn 256, 256 positions; `opt125m`: vocab 50272, hidden 768, 12 layers, 12 heads, ffn 3072, 2048
positions), fp32, CPU, torch.set_num_threads(THREADS), eval + no_grad, default dynamic KV cache.

1. time per new token at prompt lengths --positions (default 16, 256, 1024; batch 1, greedy): median of the n step times after the
   prefill (timestamps from a pass-through logits processor), with and without the cache (use_cache=False
   recomputes the whole sequence each step);
2. throughput: BATCH prompts of 64 tokens, exactly 64 new tokens (min_new_tokens = max_new_tokens = 64),
   greedy and beam-5 + repetition_penalty 3.0; new tokens per second = BATCH * 64 / seconds.

Usage: .venv/bin/python scripts/bench/generate_hf.py [--threads 2] [--batch 4] [--repeat 2] [--configs tiny,opt125m]

`--fixture OUT.json` instead writes the HF reference for the Java beam-search EOS tests
(models/src/test/resources/decode/beam_eos_hf.json): the golden pre_ln_tied_safetensors checkpoint and
prompts, beam search with an EOS id that the model actually picks (858 or 287), num_beams 3, 12 new tokens,
repetition_penalty 1.5, every length_penalty in (0.5, 1, 2) x early_stopping in (False, True, "never").
"""
import argparse
import random
import time

import torch
from transformers import OPTConfig, OPTForCausalLM

SHAPES = {
    "tiny": dict(vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, ffn_dim=128,
                 max_position_embeddings=1024, word_embed_proj_dim=64),
    "smoke": dict(vocab_size=3200, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, ffn_dim=256,
                  max_position_embeddings=256, word_embed_proj_dim=64),  # configs/smoke.yaml's model
    "opt125m": dict(vocab_size=50272, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, ffn_dim=3072,
                    max_position_embeddings=2048, word_embed_proj_dim=768),
}


def prompts(n, length, vocab, seed):
    r = random.Random(seed)
    return torch.tensor([[2] + [r.randrange(4, vocab) for _ in range(length - 1)] for _ in range(n)])


def best(repeat, fn):
    t = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def fixture(out):
    import json
    from pathlib import Path
    torch.set_num_threads(1)
    root = Path(__file__).resolve().parents[2] / "models/src/test/resources/golden/pre_ln_tied_safetensors"
    gen = json.loads((root / "generate.json").read_text())
    model = OPTForCausalLM.from_pretrained(str(root / "model"), dtype=torch.float32).eval()
    ids, mask = torch.tensor(gen["input_ids"]), torch.tensor(gen["attention_mask"])
    cases = []
    with torch.no_grad():
        for eos in (858, 287):
            for lp in (0.5, 1.0, 2.0):
                for es in (False, True, "never"):
                    args = dict(do_sample=False, eos_token_id=eos, pad_token_id=1, bos_token_id=2, num_beams=3,
                                max_new_tokens=12, min_new_tokens=0, repetition_penalty=1.5, length_penalty=lp,
                                early_stopping=es)
                    o = model.generate(input_ids=ids, attention_mask=mask, return_dict_in_generate=True,
                                       output_scores=True, **args)
                    cases.append(dict(args=args, new_tokens=o.sequences[:, ids.shape[1]:].tolist(),
                                      sequence_scores=o.sequences_scores.tolist()))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(dict(input_ids=gen["input_ids"], attention_mask=gen["attention_mask"],
                                         transformers=__import__("transformers").__version__, cases=cases)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--configs", default="tiny,opt125m")
    ap.add_argument("--positions", default="16,256,1024")
    ap.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    ap.add_argument("--no-throughput", action="store_true")
    ap.add_argument("--profile", help="also record one beam-5 run with torch.profiler: a Chrome trace per config "
                    "(PROFILE minus .json + -CONFIG.json; summarise with scripts/bench/profile_ops.py)")
    ap.add_argument("--fixture", help="write the beam-search EOS reference JSON here and exit")
    a = ap.parse_args()
    if a.fixture:
        fixture(a.fixture)
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(1234)
    print(f"# generate_hf threads={a.threads} batch={a.batch} repeat={a.repeat} attn={a.attn} (best of repeat) "
          f"torch={torch.__version__}")
    common = dict(do_sample=False, eos_token_id=2, pad_token_id=1, bos_token_id=2)
    for name in a.configs.split(","):
        cfg = OPTConfig(**SHAPES[name], do_layer_norm_before=True, activation_function="relu", dropout=0.0,
                        attention_dropout=0.0, pad_token_id=1, bos_token_id=2, eos_token_id=2)
        model = OPTForCausalLM._from_config(cfg, attn_implementation=a.attn).eval()
        with torch.no_grad():
            model.generate(prompts(1, 32, cfg.vocab_size, 1), max_new_tokens=8, **common)  # warm-up
            for length in [int(x) for x in a.positions.split(",")]:
                if length + 1 + a.steps > cfg.max_position_embeddings:
                    continue
                ids = prompts(1, length, cfg.vocab_size, length)
                mask = torch.ones_like(ids)
                for cache in (True, False):
                    med = float("inf")
                    for _ in range(a.repeat):
                        stamps = []

                        def stamp(input_ids, scores):  # a logits processor: called once per step
                            stamps.append(time.perf_counter())
                            return scores

                        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=1 + a.steps,
                                       min_new_tokens=1 + a.steps, use_cache=cache, logits_processor=[stamp], **common)
                        dt = sorted((stamps[i] - stamps[i - 1]) * 1e3 for i in range(1, len(stamps)))
                        med = min(med, dt[len(dt) // 2])
                    print(f"{name} per-token pos={length} cache={str(cache).lower()}: {med:.2f} ms/token "
                          f"(median step, best of {a.repeat})")
            if a.no_throughput:
                continue
            ids = prompts(a.batch, 64, cfg.vocab_size, 7)
            mask = torch.ones_like(ids)
            for mode, extra in (("greedy", {}), ("beam5", dict(num_beams=5, repetition_penalty=3.0))):
                args = dict(max_new_tokens=64, min_new_tokens=64, length_penalty=1.0, early_stopping=False,
                            **extra, **common)
                model.generate(input_ids=ids, attention_mask=mask, **{**args, "max_new_tokens": 2, "min_new_tokens": 2})
                t = best(a.repeat, lambda: model.generate(input_ids=ids, attention_mask=mask, **args))
                print(f"{name} throughput {mode} batch={a.batch} prompt=64 new=64: {t:.2f} s, "
                      f"{a.batch * 64 / t:.1f} new tokens/s")
                if a.profile and mode == "beam5":
                    trace = a.profile.removesuffix(".json") + f"-{name}.json"
                    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
                        model.generate(input_ids=ids, attention_mask=mask, **args)
                    prof.export_chrome_trace(trace)
                    print(f"{name} beam5 profile (torch.profiler, chrome trace): {trace}")


if __name__ == "__main__":
    main()
