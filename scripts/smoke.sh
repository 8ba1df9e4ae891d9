#!/usr/bin/env bash
# Smoke study (interim, until the multi-generation runner lands): create a tiny random-init OPT with the
# golden test tokenizer and evaluate it on a small text in both perplexity protocols.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
golden="$root/models/src/test/resources/golden"
out="${1:-$root/runs/smoke}"
rm -rf "$out/model"
"$root/scripts/ouro" init --tokenizer "$golden/tokenizer" --out "$out/model" --seed 0
"$root/scripts/ouro" eval --model "$out/model" --text "$golden/eval.txt" --protocol blocks --block 64 --json | tee "$out/eval-blocks.json"
"$root/scripts/ouro" eval --model "$out/model" --text "$golden/eval.txt" --protocol rolling --window 128 --json | tee "$out/eval-rolling.json"
