#!/usr/bin/env python3
"""Golden fixtures for Ouroboros' Java OPT implementation, computed with Hugging Face transformers.

Run (from the repository root; CI never runs this, the outputs are committed):

    .venv/bin/python scripts/golden/make_fixtures.py

Versions used for the committed fixtures: Python 3.11.7, torch 2.13.0+cpu, transformers 5.18.0,
tokenizers 0.23.2, safetensors 0.8.0. The script is deterministic (fixed seeds, one thread); rerunning it
with the same versions rewrites byte-identical files (checked). It asserts as it goes: fast vs slow tokenizer
ids, tokenizer.json reload, and that each reloaded checkpoint equals the drawn weights up to its dtype.

Everything goes to models/src/test/resources/golden/ (see README.md there):

* tokenizer/       OPT-style tokenizer exactly as facebook/opt-125m ships it (vocab.json + merges.txt, no
                   tokenizer.json), trained here as a ~1000-entry byte-level BPE, plus expected.json.
* tokenizer_json/  the same tokenizer as written by the fast tokenizer's save_pretrained (tokenizer.json).
* eval.txt         a small English text shared by the perplexity fixtures.
* <case>/model/    tiny OPT checkpoints in three on-disk flavours, <case>/expected.json with logits, loss and
                   perplexity (blocks and lm-eval rolling windows) from the model reloaded from those files.
* pre_ln_tied_safetensors/generate.json, train_step.json, after_step.safetensors: greedy and beam-search
                   generations, and one clipped AdamW step.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
from pathlib import Path

import regex
import safetensors.torch
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoTokenizer, GPT2Tokenizer, OPTConfig, OPTForCausalLM

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "models" / "src" / "test" / "resources" / "golden"
SEED = 1234
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0..3 as in facebook/opt-125m
BOS = 2
PAD = 1

TRAIN_TEXT = """\
The quick brown fox jumps over the lazy dog. It's a sentence that uses every letter of the English alphabet,
and it has been used to test typewriters since the 1880s. Don't worry if you've never typed it before; you'll
learn it quickly. I'll type it 10 times, then 25 times, then 100 times: that's 135 lines in total!

Language models predict the next token. A token can be a word, a piece of a word, a number such as 3.14 or
2024, or a punctuation mark like "?", "!", ";" or "--". When a model is trained on text that it generated
itself, the distribution of tokens slowly narrows; researchers call this model collapse. We'd like to measure
it carefully, with perplexity, loss, and the diversity of generated samples.

In the café, the naïve barista said: "Voilà, your crème brûlée!" The résumé of the señor from Zürich was
printed in a 12-point font. Prices rose by 7.5% in 2023, from $1,299 to $1,396.

They're here, aren't they? She's sure he'd have said it if he'd known. We've got 3 cats, 2 dogs and 1 parrot;
the parrot can say "hello", "goodbye" and "what's for dinner?" in 4 languages.

Tokens in other scripts: 東京 is the capital of Japan, 北京 is the capital of China, and Москва is the capital
of Russia. Emoji are bytes too: 🙂 👍 🚀.

The rain in Spain stays mainly in the plain. To be, or not to be, that is the question. All that glitters
is not gold. A journey of a thousand miles begins with a single step. Knowledge is power, and time is money.
The early bird catches the worm, but the second mouse gets the cheese. Actions speak louder than words.

Every morning at 7:30 the train leaves the station, crosses the river and climbs toward the mountains. The
passengers read newspapers, drink coffee and look at their phones; a child counts the bridges (there are 12)
and a conductor checks tickets with a small machine that beeps twice. By 9:15 the valley is far behind.

A recipe for bread: mix 500 grams of flour, 350 millilitres of water, 10 grams of salt and a little yeast.
Knead the dough for ten minutes, let it rise for two hours, shape it, and bake it at 230 degrees until the
crust is golden brown. Wait until it cools before cutting, otherwise the crumb becomes gummy.
"""

# Shared by every model case for the perplexity fixtures. Contains words the tokenizer never saw.
EVAL_TEXT = """\
= Model Collapse =

Model collapse is a degenerative process that affects generations of learned generative models.
When the data they generate pollute the training set of the next generation, the models
progressively lose information about the tails of the original distribution.

== Early collapse ==

In early model collapse the model begins losing information about the tails of the distribution,
mostly affecting minority data. Later work highlighted that early model collapse is hard to notice,
since overall performance may appear to improve while the model loses performance on minority data.

== Late collapse ==

In late model collapse the model loses a significant proportion of its performance, confusing concepts
and losing most of its variance. It's what happens when you train on your own outputs for 10, 20 or
50 generations without mixing in any fresh human-written text.

== Mitigation ==

Accumulating real data alongside synthetic data, rather than replacing it, has been reported to avoid
collapse in several settings. Researchers measure perplexity on held-out text, the diversity of samples,
and the frequency of rare tokens. I'll note that nobody agrees on a single metric; we'd need many.

The quick brown fox jumps over the lazy dog. The lazy dog doesn't jump at all.
Numbers like 3.14159, 2.71828 and 1,000,000 appear in tables; so do dates like 2024-05-17.
Some names have accents: Zoë, José, François and Björk. Some cities are Zürich, Kraków and Montréal.

A short poem:
  Roses are red,
  violets are blue,
  tokens are bytes,
  and so are you.

	(this line starts with a tab)
The end.
"""

TOKENIZER_CASES = [
    "Hello world! The quick brown fox jumps over the lazy dog.",
    "Language models predict the next token.",
    " leading space",
    "  two leading spaces",
    "trailing space ",
    "trailing spaces   ",
    "multiple   spaces   between    words",
    "   ",
    "\n",
    " \n",
    "\n\n",
    "line one\nline two",
    "ends with a newline\n",
    "blank line\n\nafter",
    "tab\tseparated\tvalues",
    "\t",
    "\t\tdouble tab",
    "",
    "0123456789",
    "3.14159 -42 1e-5 $1,299 7.5% 2024-05-17",
    "don't",
    "I'll",
    "We're sure they've said it's John's, aren't we? I'd've known.",
    "DON'T SHOUT, I'LL LISTEN",
    "café naïve résumé Zürich crème brûlée",
    "Ångström, Øresund, ß, Ελληνικά",
    "東京 北京 日本語のテキスト",
    "emoji 🙂🚀 and 👍🏽 and 👨‍👩‍👧",
    "Xylophones quizzically vex bewildered gnomes.",
    "supercalifragilisticexpialidocious",
    "Mixed: naïve 😀\n\tend  ",
    "a\u00a0non-breaking space and a zero\u200bwidth space",
    "specials in text: </s> and <pad> are special, <s> and <unk> are not",
    "</s></s>x<pad>",
]

BLOCK = 16
WINDOW = 32


def write_json(path: Path, obj, indent: int | None = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        if indent is None:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


# ---------------------------------------------------------------------------------------------------------
# Tokenizer


def train_tokenizer(dest: Path) -> None:
    """Trains the byte-level BPE and writes the files facebook/opt-125m ships (no tokenizer.json)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1000,
        min_frequency=1,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Each paragraph and a few repetitions, so that common words become single tokens.
    tok.train_from_iterator(TRAIN_TEXT.split("\n\n") * 3, trainer=trainer)
    dest.mkdir(parents=True, exist_ok=True)
    vocab = tok.get_vocab()
    assert [vocab[s] for s in SPECIALS] == [0, 1, 2, 3], "specials must be ids 0..3"
    tok.model.save(str(dest))  # vocab.json + merges.txt ("#version: 0.2" header like GPT-2's)
    # Rewrite vocab.json sorted by id, compact, like the hub file.
    vocab = json.loads((dest / "vocab.json").read_text(encoding="utf-8"))
    vocab = dict(sorted(vocab.items(), key=lambda kv: kv[1]))
    (dest / "vocab.json").write_text(
        json.dumps(vocab, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )

    # These mimic facebook/opt-125m's files (added tokens with normalized=true, AddedToken dicts).
    def added(content: str) -> dict:
        return {
            "__type": "AddedToken",
            "content": content,
            "lstrip": False,
            "normalized": True,
            "rstrip": False,
            "single_word": False,
        }

    write_json(
        dest / "special_tokens_map.json",
        {
            "bos_token": {k: v for k, v in added("</s>").items() if k != "__type"},
            "eos_token": {k: v for k, v in added("</s>").items() if k != "__type"},
            "pad_token": {k: v for k, v in added("<pad>").items() if k != "__type"},
            "unk_token": {k: v for k, v in added("</s>").items() if k != "__type"},
        },
        indent=None,
    )
    write_json(
        dest / "tokenizer_config.json",
        {
            "errors": "replace",
            "unk_token": added("</s>"),
            "bos_token": added("</s>"),
            "eos_token": added("</s>"),
            "pad_token": added("<pad>"),
            "add_prefix_space": False,
            "add_bos_token": True,
            "special_tokens_map_file": None,
            "name_or_path": "patrickvonplaten/opt_gpt2_tokenizer",
            "tokenizer_class": "GPT2Tokenizer",
        },
        indent=None,
    )
    # AutoTokenizer falls back to config.json's model_type when tokenizer_config has no class.
    write_json(dest / "config.json", {"model_type": "opt"})


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable unicode map (openai/gpt-2 encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class ReferenceGpt2Bpe:
    """The original slow GPT-2 BPE (openai/gpt-2 encoder.py, transformers 4.x GPT2Tokenizer).

    transformers 5 dropped the pure-Python GPT2Tokenizer (GPT2Tokenizer is now backed by `tokenizers`), so this
    copy is the independent "slow" reference the fast ids are checked against.
    """

    PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

    def __init__(self, directory: Path):
        self.encoder = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        lines = (directory / "merges.txt").read_text(encoding="utf-8").split("\n")[1:]
        merges = [tuple(line.split()) for line in lines if line]
        self.ranks = dict(zip(merges, range(len(merges))))
        self.byte_encoder = bytes_to_unicode()

    def bpe(self, token: str) -> list[str]:
        word = list(token)
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return word

    def encode(self, text: str) -> list[int]:
        ids = [BOS]  # add_bos_token=True with bos_token "</s>"
        # The slow tokenizer never splits its special tokens (bos/eos/unk "</s>", pad "<pad>"); "<s>" and "<unk>"
        # are ordinary vocab entries, as in facebook/opt-125m.
        for part in regex.split(r"(</s>|<pad>)", text):
            if part in ("</s>", "<pad>"):
                ids.append(self.encoder[part])
                continue
            for piece in regex.findall(self.PAT, part):
                mapped = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
                ids.extend(self.encoder[t] for t in self.bpe(mapped))
        return ids


def tokenizer_fixtures(tok_dir: Path, json_dir: Path) -> None:
    fast = AutoTokenizer.from_pretrained(str(tok_dir))
    explicit = GPT2Tokenizer.from_pretrained(str(tok_dir))
    slow = ReferenceGpt2Bpe(tok_dir)
    assert fast.bos_token_id == BOS and fast.pad_token_id == PAD and fast.eos_token_id == 2
    cases = []
    for text in TOKENIZER_CASES:
        ids = fast(text)["input_ids"]
        assert ids == explicit(text)["input_ids"], text
        assert ids == slow.encode(text), f"fast vs slow GPT-2 BPE differ on {text!r}"
        cases.append({"text": text, "ids": ids, "decoded": fast.decode(ids, skip_special_tokens=True)})
    write_json(tok_dir / "expected.json", cases, indent=1)

    fast.save_pretrained(str(json_dir))
    # save_pretrained also writes vocab/merges copies for some versions; keep the tokenizer.json path pure.
    for name in ("vocab.json", "merges.txt"):
        (json_dir / name).unlink(missing_ok=True)
    reloaded = AutoTokenizer.from_pretrained(str(json_dir))
    for case in cases:
        assert reloaded(case["text"])["input_ids"] == case["ids"], case["text"]


# ---------------------------------------------------------------------------------------------------------
# Models


def randomize(model: torch.nn.Module, seed: int) -> None:
    """Deterministic init independent of transformers' own init.

    Weights ~ N(0, 0.15): larger than OPT's init_std 0.02 so attention scores are O(1) and a wrong scale or
    mask shows up in the logits. LayerNorm weights 1 + N(0, 0.1), every bias N(0, 0.05), so none is 1 or 0.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied lm_head is yielded once (as embed_tokens)
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if "layer_norm" in name and name.endswith(".weight"):
                p.copy_(1.0 + 0.1 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.05 * noise)
            else:
                p.copy_(0.15 * noise)


def tiny_config(vocab_size: int, **overrides) -> OPTConfig:
    kw = dict(
        vocab_size=vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        ffn_dim=128,
        max_position_embeddings=128,
        word_embed_proj_dim=64,
        pad_token_id=PAD,
        bos_token_id=BOS,
        eos_token_id=2,
        activation_function="relu",
        do_layer_norm_before=True,
        enable_bias=True,
        layer_norm_elementwise_affine=True,
        tie_word_embeddings=True,
    )
    kw.update(overrides)
    cfg = OPTConfig(**kw)
    cfg.architectures = ["OPTForCausalLM"]
    return cfg


def copy_tokenizer(src: Path, dest: Path) -> None:
    for f in sorted(src.iterdir()):
        if f.name not in ("expected.json", "config.json"):
            shutil.copy(f, dest / f.name)


def save_pre_ln_tied_safetensors(model: OPTForCausalLM, dest: Path) -> None:
    model.save_pretrained(str(dest), safe_serialization=True)


def save_post_ln_proj_gelu_fp16_bin(model: OPTForCausalLM, dest: Path) -> None:
    """Like facebook/opt-350m: fp16 OPTModel state dict (keys decoder.*, no lm_head) in torch's zip format."""
    dest.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.model.state_dict().items()}
    torch.save(state, dest / "pytorch_model.bin")
    cfg = model.config.to_dict()
    cfg.pop("dtype", None)
    cfg["torch_dtype"] = "float16"  # the hub's (transformers 4) spelling
    cfg["transformers_version"] = "4.21.0.dev0"
    cfg = dict(sorted(cfg.items()))
    write_json(dest / "config.json", cfg, indent=2)


def save_untied_bf16_sharded(model: OPTForCausalLM, dest: Path) -> None:
    model.to(torch.bfloat16).save_pretrained(str(dest), safe_serialization=True, max_shard_size="150KB")


CASES = {
    "pre_ln_tied_safetensors": (dict(), save_pre_ln_tied_safetensors, "tokenizer"),
    "post_ln_proj_gelu_fp16_bin": (
        dict(do_layer_norm_before=False, word_embed_proj_dim=32, activation_function="gelu"),
        save_post_ln_proj_gelu_fp16_bin,
        "tokenizer",
    ),
    "untied_nobias_noaffine_bf16_sharded": (
        dict(enable_bias=False, layer_norm_elementwise_affine=False, tie_word_embeddings=False),
        save_untied_bf16_sharded,
        "tokenizer_json",
    ),
}


def get_rolling_token_windows(token_list, prefix_token, max_seq_len, context_len):
    """Copied from lm-eval (lm_eval/utils.py)."""
    assert 1 <= context_len <= max_seq_len
    if not token_list:
        return
    pred_len = max_seq_len - context_len + 1
    predicted = 0
    first_seq_len = min(max_seq_len, len(token_list))
    yield [prefix_token] + token_list[: first_seq_len - 1], token_list[:first_seq_len]
    predicted += first_seq_len
    while predicted < len(token_list):
        window_pred_len = min(len(token_list) - predicted, pred_len)
        window_end = predicted + window_pred_len
        yield (
            token_list[window_end - max_seq_len - 1 : window_end - 1],
            token_list[window_end - window_pred_len : window_end],
        )
        predicted += window_pred_len


def make_disjoint_window(pair):
    """Copied from lm-eval: takes the context only up to where the continuation starts."""
    a, b = pair
    return a[: len(a) - (len(b) - 1)], b


def nll_sum(model, sequences: list[list[int]], n_targets: list[int]) -> float:
    """Sum over sequences of -log p(last n tokens | preceding tokens), as lm-eval scores a continuation.

    The model sees seq[:-1]; its last n positions score the last n tokens. log_softmax and sums in float64.
    """
    total = 0.0
    for seq, n in zip(sequences, n_targets):
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([seq[:-1]])).logits[0].to(torch.float64)
        logp = torch.log_softmax(logits[-n:], dim=-1)
        total -= float(logp.gather(1, torch.tensor(seq[-n:])[:, None]).sum())
    return total


def eval_fixture(model, tok, text: str) -> dict:
    # Blocks: each line alone (with BOS), concatenated, remainder dropped, cut into blocks of BLOCK.
    lines = text.split("\n")
    pieces = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    stream = [i for piece in pieces for i in tok(piece)["input_ids"]]
    n_blocks = len(stream) // BLOCK
    blocks = [stream[i * BLOCK : (i + 1) * BLOCK] for i in range(n_blocks)]
    block_nll = nll_sum(model, blocks, [BLOCK - 1] * n_blocks)
    n_pred = n_blocks * (BLOCK - 1)

    # Rolling: lm-eval loglikelihood_rolling over disjoint windows.
    tokens = tok(text, add_special_tokens=False)["input_ids"]
    windows = [
        make_disjoint_window(w)
        for w in get_rolling_token_windows(tokens, prefix_token=BOS, max_seq_len=WINDOW, context_len=1)
    ]
    assert sum(len(cont) for _, cont in windows) == len(tokens)
    roll_nll = nll_sum(model, [ctx + cont for ctx, cont in windows], [len(c) for _, c in windows])
    n_words = len(re.split(r"\s+", text))
    n_bytes = len(text.encode("utf-8"))
    return {
        "blocks": {
            "block": BLOCK,
            "n_stream_tokens": len(stream),
            "n_blocks": n_blocks,
            "n_predictions": n_pred,
            "nll_sum": block_nll,
            "perplexity": math.exp(block_nll / n_pred),
        },
        "rolling": {
            "window": WINDOW,
            "prefix_token": BOS,
            "n_windows": len(windows),
            "nll_sum": roll_nll,
            "n_tokens": len(tokens),
            "n_words": n_words,
            "n_bytes": n_bytes,
            "token_perplexity": math.exp(roll_nll / len(tokens)),
            "word_perplexity": math.exp(roll_nll / n_words),
            "byte_perplexity": math.exp(roll_nll / n_bytes),
            "bits_per_byte": roll_nll / n_bytes / math.log(2),
        },
    }


def logits_batch(tok) -> tuple[list[list[int]], list[list[int]]]:
    """Row 0: 12 real tokens (BOS first). Row 1: 3 pads, BOS, 8 real tokens (left padding)."""
    row0 = tok("The quick brown fox jumps over the lazy dog again and again.")["input_ids"][:12]
    row1 = [PAD] * 3 + tok("Model collapse is real, isn't it?")["input_ids"][:9]
    assert len(row0) == 12 and len(row1) == 12 and row1[3] == BOS
    return [row0, row1], [[1] * 12, [0] * 3 + [1] * 9]


def round_floats(t: torch.Tensor) -> list:
    """fp32 values rounded to 6 decimals (abs error <= 5e-7, far below any test tolerance)."""
    return [[[round(float(x), 6) for x in pos] for pos in row] for row in t.tolist()]


def make_case(name: str, overrides: dict, save, tok_src: Path, vocab_size: int, tok, seed: int) -> None:
    case_dir = OUT / name
    model_dir = case_dir / "model"
    shutil.rmtree(case_dir, ignore_errors=True)
    torch.manual_seed(seed)
    model = OPTForCausalLM(tiny_config(vocab_size, **overrides))
    randomize(model, seed)
    original = {k: v.detach().clone() for k, v in model.state_dict().items()}
    save(model, model_dir)
    copy_tokenizer(tok_src, model_dir)

    # The reference is the model reloaded from the files just written, upcast to fp32.
    model = OPTForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    stored = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[
        json.loads((model_dir / "config.json").read_text()).get("dtype")
        or json.loads((model_dir / "config.json").read_text())["torch_dtype"]
    ]
    reloaded = model.state_dict()
    assert reloaded.keys() == original.keys()
    for k, v in original.items():  # the reload lost nothing but the storage dtype's precision
        assert torch.equal(reloaded[k], v.to(stored).float()), k
    ids, mask = logits_batch(tok)
    with torch.no_grad():
        logits = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask)).logits
        loss0 = model(input_ids=torch.tensor(ids[:1]), labels=torch.tensor(ids[:1])).loss
    assert logits.dtype == torch.float32
    expected = {
        "config": json.loads((model_dir / "config.json").read_text()),
        "input_ids": ids,
        "attention_mask": mask,
        "loss_row0": float(loss0),
        "eval": eval_fixture(model, tok, (OUT / "eval.txt").read_text(encoding="utf-8")),
        "logits": round_floats(logits),
    }
    write_json(case_dir / "expected.json", expected, indent=None)


def generate_fixture(model_dir: Path, tok) -> None:
    """Greedy and beam-search continuations of a left-padded batch of 2 prompts (HF generate)."""
    model = OPTForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    row0 = tok("The quick brown fox jumps over the")["input_ids"]
    row1 = tok("Model collapse is")["input_ids"]
    width = max(len(row0), len(row1))
    ids = [[PAD] * (width - len(r)) + r for r in (row0, row1)]
    mask = [[0] * (width - len(r)) + [1] * len(r) for r in (row0, row1)]
    inputs = dict(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask))
    common = dict(do_sample=False, eos_token_id=2, pad_token_id=PAD, bos_token_id=BOS)
    greedy_args = dict(max_new_tokens=16)
    beam_args = dict(
        num_beams=5, repetition_penalty=3.0, min_new_tokens=64, max_new_tokens=64, length_penalty=1.0,
        early_stopping=False, num_return_sequences=1,
    )
    out = dict(return_dict_in_generate=True, output_scores=True)
    with torch.no_grad():
        greedy = model.generate(**inputs, **common, **greedy_args, **out)
        beam = model.generate(**inputs, **common, **beam_args, **out)
    # Smallest gap between the best and second-best logit over greedy steps: how robust the argmax is.
    margin = min(float((lambda t: t[:, 0] - t[:, 1])(s.topk(2, dim=-1).values).min()) for s in greedy.scores)
    write_json(
        model_dir.parent / "generate.json",
        {
            "input_ids": ids,
            "attention_mask": mask,
            "common": common,
            "greedy": {
                "args": greedy_args,
                "new_tokens": greedy.sequences[:, width:].tolist(),
                "min_top2_logit_margin": margin,
            },
            "beam": {
                "args": beam_args,
                "new_tokens": beam.sequences[:, width:].tolist(),
                "sequence_scores": beam.sequences_scores.tolist(),
            },
        },
        indent=None,
    )


def train_step_fixture(model_dir: Path, tok) -> None:
    """One AdamW step with global-norm clipping from the checkpoint (train mode, dropout 0)."""
    model = OPTForCausalLM.from_pretrained(
        str(model_dir), dtype=torch.float32, dropout=0.0, attention_dropout=0.0, layerdrop=0.0
    ).train()
    ids = torch.tensor(
        [
            tok("Model collapse is a degenerative process that affects generations of learned models.")[
                "input_ids"
            ][:16],
            tok("Accumulating real data alongside synthetic data has been reported to help.")["input_ids"][:16],
        ]
    )
    assert ids.shape == (2, 16)
    logits = model(input_ids=ids).logits
    # Token-level mean cross-entropy over the 2 x 15 next-token predictions (== HF loss with labels=ids).
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
    loss.backward()
    named = list(model.named_parameters())  # tied lm_head appears once, as model.decoder.embed_tokens.weight
    grad_norms = {n: float(p.grad.double().norm()) for n, p in named}
    grad_norm = float(torch.nn.utils.clip_grad_norm_([p for _, p in named], max_norm=1.0))
    decay = [n for n, p in named if p.ndim >= 2]
    no_decay = [n for n, p in named if p.ndim < 2]
    groups = [
        {"params": [p for _, p in named if p.ndim >= 2], "weight_decay": 0.01},
        {"params": [p for _, p in named if p.ndim < 2], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    with torch.no_grad():
        loss_after = model(input_ids=ids, labels=ids).loss
    safetensors.torch.save_file(
        {n: p.detach().contiguous() for n, p in named}, str(model_dir.parent / "after_step.safetensors")
    )
    write_json(
        model_dir.parent / "train_step.json",
        {
            "input_ids": ids.tolist(),
            "loss": loss.item(),
            "grad_norm_before_clip": grad_norm,
            "max_grad_norm": 1.0,
            "optimizer": {
                "type": "torch.optim.AdamW",
                "lr": 1e-3,
                "betas": [0.9, 0.999],
                "eps": 1e-8,
                "weight_decay": 0.01,
                "decay_params": decay,
                "no_decay_params": no_decay,
            },
            "grad_norms": grad_norms,
            "loss_after_step": float(loss_after),
        },
        indent=1,
    )


def main() -> None:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    OUT.mkdir(parents=True, exist_ok=True)
    tok_dir, json_dir = OUT / "tokenizer", OUT / "tokenizer_json"
    shutil.rmtree(tok_dir, ignore_errors=True)
    shutil.rmtree(json_dir, ignore_errors=True)
    train_tokenizer(tok_dir)
    tokenizer_fixtures(tok_dir, json_dir)
    (OUT / "eval.txt").write_text(EVAL_TEXT, encoding="utf-8")

    tok = AutoTokenizer.from_pretrained(str(tok_dir))
    vocab_size = (len(tok) + 7) // 8 * 8
    for i, (name, (overrides, save, tok_src)) in enumerate(CASES.items()):
        make_case(name, overrides, save, OUT / tok_src, vocab_size, tok, SEED + i)
    generate_fixture(OUT / "pre_ln_tied_safetensors" / "model", tok)
    train_step_fixture(OUT / "pre_ln_tied_safetensors" / "model", tok)
    print(
        f"wrote {OUT} (tokenizer size {len(tok)}, model vocab {vocab_size}; torch {torch.__version__}, "
        f"transformers {transformers.__version__}, tokenizers {tokenizers.__version__})"
    )


if __name__ == "__main__":
    main()
