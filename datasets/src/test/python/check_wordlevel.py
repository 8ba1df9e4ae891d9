"""Checks a WordLevelTokenizer directory in HF tokenizers/transformers (manual check; CI never runs Python).

usage: python check_wordlevel.py DIR "line one\n" ...
Prints the ids transformers gives (BOS </s>=2 first) for each line; compare with OptTokenizer.encode in Java.
"""
import sys

from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained(sys.argv[1])
assert tok.bos_token_id == 2 and tok.pad_token_id == 1 and tok.unk_token_id == 3, tok
for text in sys.argv[2:]:
    text = text.encode().decode("unicode_escape")
    ids = tok(text)["input_ids"]
    print(repr(text), ids, repr(tok.decode(ids, skip_special_tokens=True)))
