#!/usr/bin/env python3
"""HF peer of the inference-memory benchmark (scripts/bench/inference-memory.sh): peak RSS of one process that
(a) only loads a checkpoint, (b) also scores N blocks, or (c) also generates with beam search + repetition penalty,
on the CPU, one thread, fp32 parameters (what Ouroboros always holds; transformers 5 would otherwise keep an fp16
checkpoint in fp16).

    .venv/bin/python scripts/bench/memory_hf.py --model DIR --mode load|eval|generate [--text FILE]
        [--block 64] [--blocks 16] [--batch-size 8] [--prompts 4] [--new-tokens 32] [--beams 5]
        [--repetition-penalty 3.0] [--dtype float32|auto]

The shapes mirror `ouro eval --protocol blocks --block B --max-blocks N --batch-size S` and `ouro generate
--block B --max-prompts P --batch-size P --new-tokens T` (exactly T new tokens: min_new_tokens = max_new_tokens):
the text is tokenized without special tokens and cut into blocks of B ids (Shumailov blocking, as ouro does).
Prints one JSON line: peak RSS (resource.getrusage ru_maxrss) and the RSS right after loading (/proc/self/statm).
Bad input: one line on stderr, exit 2.
"""
import argparse
import json
import os
import resource
import sys
import time


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def fail(msg):
    print(f"memory_hf.py: {msg}", file=sys.stderr)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--mode", required=True, choices=["load", "eval", "generate"])
    ap.add_argument("--text")
    ap.add_argument("--block", type=int, default=64)
    ap.add_argument("--blocks", type=int, default=16)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--prompts", type=int, default=4)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--beams", type=int, default=5)
    ap.add_argument("--repetition-penalty", type=float, default=3.0)
    ap.add_argument("--dtype", default="float32", choices=["float32", "auto"])
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    if not os.path.isdir(a.model):
        fail(f"{a.model}: not a directory")
    if a.mode != "load" and (a.text is None or not os.path.isfile(a.text)):
        fail(f"--text {a.text}: no such file (needed for --mode {a.mode})")

    import torch
    from transformers import AutoTokenizer, OPTForCausalLM

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    base = rss_mib()
    t0 = time.perf_counter()
    dtype = torch.float32 if a.dtype == "float32" else "auto"
    model = OPTForCausalLM.from_pretrained(a.model, dtype=dtype).eval()
    load_s = time.perf_counter() - t0
    after_load = rss_mib()
    out = dict(side="hf", mode=a.mode, model=a.model, dtype=str(next(model.parameters()).dtype),
               torch=torch.__version__, threads=a.threads, rss_before_load_mib=round(base, 1),
               rss_after_load_mib=round(after_load, 1), load_s=round(load_s, 2))
    if a.mode != "load":
        tok = AutoTokenizer.from_pretrained(a.model)
        with open(a.text, encoding="utf-8") as f:
            ids = tok(f.read(), add_special_tokens=False).input_ids
        n = len(ids) // a.block
        want = a.blocks if a.mode == "eval" else a.prompts
        if n < want:
            fail(f"{a.text}: {n} blocks of {a.block} tokens, {want} needed")
        blocks = torch.tensor(ids[: want * a.block]).view(want, a.block)
        t1 = time.perf_counter()
        with torch.no_grad():
            if a.mode == "eval":
                nll, count = 0.0, 0
                for b in blocks.split(a.batch_size):
                    loss = model(input_ids=b, labels=b).loss
                    nll += loss.item() * b.numel()
                    count += b.numel()
                out.update(blocks=want, batch_size=a.batch_size, mean_nll=round(nll / count, 4))
            else:
                g = model.generate(blocks, attention_mask=torch.ones_like(blocks), num_beams=a.beams,
                                   do_sample=False, repetition_penalty=a.repetition_penalty,
                                   max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens,
                                   early_stopping=False, pad_token_id=1)
                out.update(prompts=want, new_tokens=int(g.shape[1] - a.block), beams=a.beams,
                           repetition_penalty=a.repetition_penalty)
        out["work_s"] = round(time.perf_counter() - t1, 2)
    out["peak_rss_mib"] = round(peak_mib(), 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
