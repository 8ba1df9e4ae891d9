#!/usr/bin/env python3
"""Checks that a tokenizer directory written by Java's OptTokenizer.save loads in transformers with the golden ids.

    .venv/bin/python scripts/golden/check_saved_tokenizer.py DIR

DIR holds tokenizer.json, tokenizer_config.json and special_tokens_map.json from OptTokenizer.save. Every entry of
models/src/test/resources/golden/tokenizer/expected.json must encode to the same ids (BOS first) and decode to the
same text with AutoTokenizer.from_pretrained(DIR). Exits 1 on the first mismatch.
"""

import json
import sys
from pathlib import Path

from transformers import AutoTokenizer

GOLDEN = Path(__file__).resolve().parents[2] / "models/src/test/resources/golden/tokenizer/expected.json"


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tok = AutoTokenizer.from_pretrained(sys.argv[1])
    assert (tok.bos_token_id, tok.eos_token_id, tok.pad_token_id) == (2, 2, 1), (tok.bos_token_id, tok.pad_token_id)
    cases = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for case in cases:
        ids = tok(case["text"])["input_ids"]
        if ids != case["ids"]:
            print(f"MISMATCH {case['text']!r}: {ids} != {case['ids']}")
            return 1
        if tok.decode(ids, skip_special_tokens=True) != case["decoded"]:
            print(f"DECODE MISMATCH {case['text']!r}")
            return 1
    print(f"{type(tok).__name__} from {sys.argv[1]}: {len(cases)} golden cases match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
