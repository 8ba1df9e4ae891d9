#!/usr/bin/env python3
"""HF `generate` on the checkpoint and prompts given to `ouro generate`, for a peak-RSS comparison
(docs/benchmarks.md, "Generation memory"). Run it under /usr/bin/time -v and read "Maximum resident set size":

    OMP_NUM_THREADS=1 /usr/bin/time -v .venv/bin/python scripts/bench/generate_memory_hf.py MODEL_DIR PROMPTS.jsonl OUT.jsonl

MODEL_DIR: an HF checkpoint (e.g. from scripts/bench/make_opt125m_pickle.py), loaded in fp32; PROMPTS.jsonl: one
JSON array of token ids per line, all one length. The Shumailov protocol, as `ouro generate --mode beam`: 5 beams,
repetition penalty 3.0, exactly 64 new tokens, one thread, and, like `ouro generate` (Generator.limitIds), no id
at or beyond the tokenizer's vocabulary. OUT.jsonl gets {"index", "new_ids"} per prompt, to compare token for
token with `ouro generate --jsonl`.
"""
import json
import sys

import torch
from transformers import OPTForCausalLM

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
model_dir, prompts_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
model = OPTForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
limit = len(json.load(open(model_dir + "/vocab.json")))
ids = torch.tensor([json.loads(line) for line in open(prompts_path) if line.strip()])
with torch.no_grad():
    seq = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), num_beams=5, do_sample=False,
                         repetition_penalty=3.0, min_new_tokens=64, max_new_tokens=64, early_stopping=False,
                         eos_token_id=2, pad_token_id=1, top_k=None, top_p=None, temperature=None,
                         suppress_tokens=list(range(limit, model.config.vocab_size)))
with open(out, "w") as f:
    for i, new in enumerate(seq[:, ids.shape[1]:].tolist()):
        f.write(json.dumps({"index": i, "new_ids": new}) + "\n")
print("wrote", out, tuple(seq.shape))
