"""Compares BpeTrainer (Java) with HF tokenizers' BpeTrainer on a small corpus.

Not run by CI. Usage (from the repository root, after `mvn -pl datasets -am test-compile`):

  mvn -q -o -pl datasets dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
  .venv/bin/python datasets/src/test/python/check_bpe.py \
      --classpath "datasets/target/classes:models/target/classes:$(cat /tmp/cp.txt)" [--vocab-size 1000]

It writes a corpus, trains the Java trainer (BpeTrainer.main) and HF's BpeTrainer (ByteLevel
pre-tokenizer without prefix space, the full byte alphabet, specials <s> <pad> </s> <unk>), then
reports the overlap of the merges, checks that transformers' GPT2Tokenizer loads the Java output
and round-trips, and that both tokenizers encode the corpus to a similar number of tokens.
Exact equality is not expected: HF breaks count ties by token id (creation order), Java by the
token strings; the first merges, learned from single bytes, agree.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers


def corpus_lines():
    base = [
        "The quick brown fox jumps over the lazy dog.",
        "the the the   theory of them, they're there; it's 1984 and 2024!",
        "Ünïcödé straße, naïve café — 日本語のテキスト, emoji 🙂🚀 and more 🙂.",
        "    indented code() { return x + y; }\ttabs\tand",
        "I've, you'll, we'd, she's, I'm -- contractions ... 3.14159",
    ]
    words = ("model collapse happens when generative models are trained on the outputs of "
             "earlier generations of models rather than on human written text and the tails "
             "of the distribution slowly disappear while the mode is reinforced").split()
    lines = list(base)
    state = 12345
    for _ in range(3000):
        n = 5 + state % 12
        out = []
        for _ in range(n):
            state = (state * 1103515245 + 12345) % (2 ** 31)
            out.append(words[(state >> 8) % len(words)])
        lines.append(" ".join(out) + ".")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--classpath", required=True)
    ap.add_argument("--vocab-size", type=int, default=1000)
    ap.add_argument("--corpus", nargs="*", help="UTF-8 text files to train on instead of the built-in corpus")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="check_bpe_")
    corpus = os.path.join(tmp, "corpus.txt")
    lines = corpus_lines()
    if args.corpus:
        lines = []
        for path in args.corpus:
            with open(path, encoding="utf-8") as f:
                lines += f.read().split("\n")
    with open(corpus, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")  # Java reads it back with readAllLines: same lines
    java_dir = os.path.join(tmp, "java")
    subprocess.run(["java", "-cp", args.classpath, "dev.ouroboros.datasets.BpeTrainer", corpus,
                    str(args.vocab_size), java_dir], check=True)

    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=args.vocab_size, min_frequency=0, show_progress=False,
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    hf.train_from_iterator(lines, trainer)
    hf_merges = [" ".join(m) if isinstance(m, (list, tuple)) else m
                 for m in json.loads(hf.to_str())["model"]["merges"]]

    with open(os.path.join(java_dir, "merges.txt"), encoding="utf-8") as f:
        java_merges = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#version")]
    with open(os.path.join(java_dir, "vocab.json"), encoding="utf-8") as f:
        java_vocab = json.load(f)
    hf_vocab = hf.get_vocab()

    prefix = 0
    while prefix < min(len(java_merges), len(hf_merges)) and java_merges[prefix] == hf_merges[prefix]:
        prefix += 1
    common = set(java_merges) & set(hf_merges)
    print(f"vocab: java {len(java_vocab)}, hf {len(hf_vocab)}; merges: java {len(java_merges)}, "
          f"hf {len(hf_merges)}")
    print(f"merge overlap {len(common)} ({100 * len(common) / max(len(java_merges), 1):.1f}% of java), "
          f"identical prefix {prefix}; vocab overlap "
          f"{len(set(java_vocab) & set(hf_vocab))}")
    print(f"ids of the 260 base tokens equal: "
          f"{all(hf_vocab.get(t) == i for t, i in java_vocab.items() if i < 260)}")

    from transformers import GPT2Tokenizer
    tok = GPT2Tokenizer.from_pretrained(java_dir)
    ok = True
    texts = lines[:50] + ["unseen Ωmega 👩‍👩‍👧  two  spaces\n\nnewlines\ttab"]
    for t in texts:
        ids = tok(t)["input_ids"]
        ok &= ids[0] == 2 and tok.decode(ids, skip_special_tokens=True) == t
    print(f"transformers GPT2Tokenizer loads the java output, BOS first and round trip: {ok}")
    n_java = sum(len(tok(l, add_special_tokens=False)["input_ids"]) for l in lines)
    n_hf = sum(len(hf.encode(l).ids) for l in lines)
    print(f"corpus tokens: java {n_java}, hf {n_hf} ({100 * (n_java - n_hf) / n_hf:+.2f}%)")
    return 0 if ok and prefix >= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
