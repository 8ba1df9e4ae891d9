#!/usr/bin/env python3
"""Check that transformers loads a checkpoint directory written by Ouroboros and computes the golden logits.

    scripts/ouro eval ...   # or any Java code that calls LanguageModel.save + OptTokenizer.save
    .venv/bin/python scripts/golden/check_saved_model.py SAVED_DIR models/src/test/resources/golden/<case>/expected.json

Loads SAVED_DIR with AutoModelForCausalLM and AutoTokenizer (no trust_remote_code), runs the fixture's
input_ids/attention_mask, and prints the max relative error against the fixture's logits (non-padding positions).
Exit code 1 if it exceeds 1e-4.
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

saved, expected_path = sys.argv[1], sys.argv[2]
exp = json.load(open(expected_path))
torch.set_num_threads(1)
model = AutoModelForCausalLM.from_pretrained(saved, dtype=torch.float32).eval()
tok = AutoTokenizer.from_pretrained(saved)
ids = torch.tensor(exp["input_ids"])
mask = torch.tensor(exp["attention_mask"])
with torch.no_grad():
    logits = model(input_ids=ids, attention_mask=mask).logits
ref = torch.tensor(exp["logits"])
keep = mask.bool()
err = ((logits - ref).abs()[keep].max() / ref.abs()[keep].max()).item()
print(f"{type(model).__name__} from {saved}: logits max relative error {err:.3g}; "
      f"tokenizer {type(tok).__name__} encodes 'Hello world' as {tok('Hello world')['input_ids']}")
sys.exit(0 if err <= 1e-4 else 1)
