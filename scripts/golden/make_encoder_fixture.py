"""Make the sentence-encoder golden fixture that dev.ouroboros.models.encoder tests read.

Run from the repository root (needs torch, transformers, tokenizers, safetensors; CI never runs this):

    /work/main/.venv/bin/python scripts/golden/make_encoder_fixture.py

Writes models/src/test/resources/encoder/:
  model/               a sentence-transformers-shaped checkpoint of a tiny random BertModel (2 layers, hidden 32,
                       4 heads, intermediate 64, GELU, 32 positions): config.json, model.safetensors (with the pooler,
                       which mean pooling does not use), tokenizer.json (a lower-casing WordPiece, [CLS] … [SEP]
                       template, vocabulary built from TEXT below), modules.json (Transformer, Pooling, Normalize),
                       1_Pooling/config.json (mean tokens) and sentence_bert_config.json (max_seq_length 16, so the
                       longest sentence is truncated)
  expected.json        {"sentences", "input_ids" (per sentence, unpadded, from the fast tokenizer), "pooled"
                       (mean-pooled last hidden state, the whole list run as one batch padded to its longest row),
                       "normalized" (pooled / ‖pooled‖, what sentence-transformers returns with Normalize),
                       "mean_cosine_distance" (mean over i≠j of 1 − cos(e_i, e_j), computed in float64)}

Weights are drawn wider than BERT's init (N(0, 0.2), LayerNorm gain 1 ± 0.2, bias ± 0.1) so that attention is
far from uniform and every parameter moves the output. The script checks that embedding each sentence alone
gives the batched values (padding changes nothing), then writes; it is seeded and single-threaded.
"""
import collections
import json
import pathlib
import re

import torch
from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import WordPiece
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

OUT = pathlib.Path(__file__).resolve().parents[2] / "models/src/test/resources/encoder"
MAX_SEQ = 16
TEXT = """The cat sat on the mat. A dog barked at the mailman every morning.
Language models trained on their own output slowly forget the tails of the distribution.
Rivers carve valleys over thousands of years; the water finds the softest rock.
She read the letter twice, folded it, and put it in the drawer without a word.
Prices rose sharply in the spring, then fell back when the harvest came in.
The committee will meet on Tuesday to discuss the budget for next year.
Stars are born in clouds of gas and dust that collapse under their own gravity.
He planted tomatoes, beans and squash in the small garden behind the house.
""" * 3
SENTENCES = [
    "The cat sat on the mat.",
    "A dog barked.",
    "Hi!",
    "Rivers carve valleys over thousands of years; the water finds the softest rock and the sea waits.",
    "Stars are born in clouds.",
    "zebra quixotic! Ünïcödé ∑",  # words outside the vocabulary: single characters, accents stripped, [UNK]
    "She read the letter twice, folded it, and put it in the drawer.",
]


def tokenizer():
  # the vocabulary is built here, not by WordPieceTrainer (whose ties make runs differ): specials, every
  # character alone and as a ##continuation, then the 80 most frequent words (ties alphabetical)
  words = re.findall(r"\w+|[^\w\s]", TEXT.lower())
  chars = sorted({c for w in words for c in w})
  counts = collections.Counter(w for w in words if len(w) > 1)
  top = sorted(counts, key=lambda w: (-counts[w], w))[:80]
  tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars if c.isalnum()] + top
  tok = Tokenizer(WordPiece({t: i for i, t in enumerate(tokens)}, unk_token="[UNK]"))
  tok.normalizer = normalizers.BertNormalizer(lowercase=True)
  tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
  tok.decoder = decoders.WordPiece()
  cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
  tok.post_processor = processors.TemplateProcessing(
      single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
  return tok


def embed(model, fast, sentences):
  enc = fast(sentences, padding=True, truncation=True, max_length=MAX_SEQ, return_tensors="pt")
  with torch.no_grad():
    h = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
              token_type_ids=torch.zeros_like(enc["input_ids"])).last_hidden_state  # (B, T, C)
  m = enc["attention_mask"].unsqueeze(-1).float()
  return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)  # sentence-transformers' mean pooling


def main():
  torch.manual_seed(0)
  torch.set_num_threads(1)
  model_dir = OUT / "model"
  (model_dir / "1_Pooling").mkdir(parents=True, exist_ok=True)
  tok = tokenizer()
  tok.save(str(model_dir / "tokenizer.json"))
  fast = PreTrainedTokenizerFast(tokenizer_file=str(model_dir / "tokenizer.json"), pad_token="[PAD]",
                                 unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]")
  cfg = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                   intermediate_size=64, hidden_act="gelu", max_position_embeddings=32, type_vocab_size=2,
                   layer_norm_eps=1e-12, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
  model = BertModel(cfg).eval()
  with torch.no_grad():
    for name, p in model.named_parameters():
      if "LayerNorm.weight" in name:
        p.copy_(1 + 0.2 * torch.randn_like(p))
      elif "LayerNorm.bias" in name:
        p.copy_(0.1 * torch.randn_like(p))
      else:
        p.normal_(0, 0.2)
  model.save_pretrained(str(model_dir))
  (model_dir / "modules.json").write_text(json.dumps([
      {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
      {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
      {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}], indent=2))
  (model_dir / "1_Pooling" / "config.json").write_text(json.dumps({
      "word_embedding_dimension": 32, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
      "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}, indent=2))
  (model_dir / "sentence_bert_config.json").write_text(json.dumps(
      {"max_seq_length": MAX_SEQ, "do_lower_case": False}, indent=2))

  pooled = embed(model, fast, SENTENCES)
  for i, s in enumerate(SENTENCES):  # padding must not change a row
    alone = embed(model, fast, [s])[0]
    assert torch.allclose(alone, pooled[i], atol=1e-6), (s, (alone - pooled[i]).abs().max())
  normalized = torch.nn.functional.normalize(pooled, p=2, dim=1)
  e = normalized.double()
  cos = e @ e.T
  n = len(SENTENCES)
  mean_dist = float(((1 - cos).sum() - (1 - cos.diagonal()).sum()) / (n * (n - 1)))
  ids = [fast(s, truncation=True, max_length=MAX_SEQ)["input_ids"] for s in SENTENCES]
  assert max(len(i) for i in ids) == MAX_SEQ and min(len(i) for i in ids) <= MAX_SEQ // 2, [len(i) for i in ids]
  expected = {
      "sentences": SENTENCES,
      "input_ids": ids,
      "pooled": [[float(x) for x in row] for row in pooled.tolist()],
      "normalized": [[float(x) for x in row] for row in normalized.tolist()],
      "mean_cosine_distance": mean_dist,
  }
  (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
  print("vocab", tok.get_vocab_size(), "lengths", [len(i) for i in ids], "mean distance", mean_dist)


if __name__ == "__main__":
  main()
