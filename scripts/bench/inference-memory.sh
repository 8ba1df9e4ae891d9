#!/usr/bin/env bash
# Peak RSS of Ouroboros (DJL) against HF transformers for OPT-125m-shaped checkpoints on the CPU, one thread each:
# (a) load only, (b) load + eval of N blocks, (c) load + generate (beam 5, repetition penalty 3.0); one process per
# cell, peak RSS from /usr/bin/time (DJL) and ru_maxrss (HF, scripts/bench/memory_hf.py). Prints a table and writes
# WORKDIR/results.tsv. See docs/benchmarks.md#inference-memory-cpu-2026-12-03.
#   scripts/bench/inference-memory.sh [WORKDIR]
# Environment:
#   OURO_ROOT  the checkout whose build is measured (default: this one), e.g. a `git archive` of an older commit
#   PYTHON     Python with torch + transformers + safetensors (default: .venv/bin/python of this checkout)
#   DTYPES     checkpoints: fp16 (the hub's pytorch_model.bin layout) and/or fp32 (model.safetensors); default both
#   SIDES      djl and/or hf (default both); MODES: load eval generate (default all)
#   BLOCKS (16), BATCH (8): eval; PROMPTS (4), NEW_TOKENS (32): generate
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
root="${OURO_ROOT:-$here}"
work="${1:-/tmp/ouro-mem}"
py="${PYTHON:-$here/.venv/bin/python}"
dtypes="${DTYPES:-fp16 fp32}"
sides="${SIDES:-djl hf}"
modes="${MODES:-load eval generate}"
blocks="${BLOCKS:-16}" batch="${BATCH:-8}" prompts="${PROMPTS:-4}" new="${NEW_TOKENS:-32}"
golden="$here/models/src/test/resources/golden"
[ -x /usr/bin/time ] || { echo "inference-memory.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
[ -d "$root/models" ] || { echo "inference-memory.sh: OURO_ROOT=$root is not an Ouroboros checkout" >&2; exit 2; }
mkdir -p "$work"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTORCH_FLAVOR=cpu
jvm=(-Xmx8g -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -DOPT_OUT_TRACKING=true)
export OURO_JAVA_OPTS="${jvm[*]}"

for d in $dtypes; do
  case "$d" in
    fp16) [ -f "$work/opt125m-fp16/pytorch_model.bin" ] ||
            "$py" "$here/scripts/bench/make_opt125m_pickle.py" "$work/opt125m-fp16" "$golden/tokenizer" >&2 ;;
    fp32) [ -f "$work/opt125m-fp32/model.safetensors" ] ||
            "$py" "$here/scripts/bench/make_opt125m_pickle.py" "$work/opt125m-fp32" "$golden/tokenizer" --safetensors-fp32 >&2 ;;
    *) echo "inference-memory.sh: DTYPES holds '$d', expected fp16 or fp32" >&2; exit 2 ;;
  esac
done
text="$work/text.txt"
for _ in $(seq 12); do cat "$golden/eval.txt"; done > "$text"   # ~4k tokens of the golden tokenizer

if [[ " $sides " == *" djl "* ]]; then
  "$root/scripts/ouro" --help > /dev/null                        # builds the jar when stale
  jar="$root/harness/target/ouroboros.jar"
  classes="$work/loadonly-classes"
  rm -rf "$classes" && mkdir -p "$classes"
  javac -nowarn -cp "$jar" -d "$classes" "$here/models/src/test/java/dev/ouroboros/models/LoadOnly.java"
fi

peak_djl() { # MODE DIR: peak RSS in MiB of one DJL process
  local mode="$1" dir="$2" t="$work/time.txt"
  case "$mode" in
    load) /usr/bin/time -o "$t" -f %M java "${jvm[@]}" -cp "$classes:$jar" dev.ouroboros.models.LoadOnly "$dir" >&2 ;;
    eval) /usr/bin/time -o "$t" -f %M "$root/scripts/ouro" eval --model "$dir" --text "$text" --protocol blocks \
            --block 64 --max-blocks "$blocks" --batch-size "$batch" --device cpu --json >&2 ;;
    generate) rm -f "$work/gen.bin" "$work/gen.bin".*
            /usr/bin/time -o "$t" -f %M "$root/scripts/ouro" generate --model "$dir" --prompts "$text" \
            --out "$work/gen.bin" --block 64 --max-prompts "$prompts" --batch-size "$prompts" --new-tokens "$new" \
            --mode beam --num-beams 5 --repetition-penalty 3.0 --device cpu >&2 ;;
  esac
  echo "$(( $(tail -1 "$t") / 1024 ))"
}

peak_hf() { # MODE DIR
  "$py" "$here/scripts/bench/memory_hf.py" --model "$2" --mode "$1" --text "$text" --blocks "$blocks" \
    --batch-size "$batch" --prompts "$prompts" --new-tokens "$new" 2>/dev/null | tail -1 | tee -a "$work/hf.jsonl" |
    "$py" -c 'import json,sys; print(round(json.load(sys.stdin)["peak_rss_mib"]))'
}

echo -e "checkpoint\tphase\tdjl_mib\thf_mib\tratio" > "$work/results.tsv"
printf '%-28s %-9s %9s %9s %7s\n' checkpoint phase "DJL MiB" "HF MiB" ratio
for d in $dtypes; do
  dir="$work/opt125m-$d"
  name=$([ "$d" = fp16 ] && echo "fp16 pytorch_model.bin" || echo "fp32 model.safetensors")
  for m in $modes; do
    j=-; h=-; r=-
    [[ " $sides " == *" djl "* ]] && j=$(peak_djl "$m" "$dir")
    [[ " $sides " == *" hf "* ]] && h=$(peak_hf "$m" "$dir")
    [[ "$j" != - && "$h" != - ]] && r=$(awk -v a="$j" -v b="$h" 'BEGIN { printf "%.2f", a / b }')
    printf '%-28s %-9s %9s %9s %7s\n' "$name" "$m" "$j" "$h" "$r"
    echo -e "$name\t$m\t$j\t$h\t$r" >> "$work/results.tsv"
  done
done
