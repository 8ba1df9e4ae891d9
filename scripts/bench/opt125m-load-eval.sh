#!/usr/bin/env bash
# Load the fp16 pickle of an OPT-125m-shaped checkpoint (random weights) and evaluate one 64-token block on CPU,
# reporting time and peak memory. Needs Python with torch + transformers once, to write the checkpoint.
#   scripts/bench/opt125m-load-eval.sh [WORKDIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-/tmp/ouro-opt125m}"
py="${PYTHON:-$root/.venv/bin/python}"
golden="$root/models/src/test/resources/golden"
[ -f "$work/pytorch_model.bin" ] || "$py" "$root/scripts/bench/make_opt125m_pickle.py" "$work" "$golden/tokenizer"
/usr/bin/time -f 'process: %e s wall, max RSS %M KiB' \
  "$root/scripts/ouro" eval --model "$work" --text "$golden/eval.txt" --protocol blocks --block 64 --max-blocks 1 --json
