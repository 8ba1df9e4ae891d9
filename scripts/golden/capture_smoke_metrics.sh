#!/usr/bin/env bash
# Captures the smoke study's metrics.jsonl (wall-clock times blanked) as regression fixtures, with the machine they
# were made on:
#   scripts/golden/capture_smoke_metrics.sh
# writes harness/src/test/resources/regression/<sha256(fingerprint)[:12]>/{smoke-metrics.jsonl (the default,
# data.subset: random), smoke-metrics-first.jsonl (data.subset: first), machine.txt (the fingerprint: vendor, model
# name, the ISA flags that choose libtorch's and MKL's kernels, as CpuFingerprint)}. SmokeStudyTest compares every
# numeric field of a fresh smoke study against them, exactly on a CPU whose fingerprint has a directory and generation 0
# within 1e-4 elsewhere (RegressionFixture). Re-capture only for a deliberate change of results (then on every CPU kind
# you can reach, and delete the directories of the others) or to give a new CPU kind the exact check, and say why in
# the commit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# one libtorch thread: SmokeStudyTest runs the study with one thread too, and a sum reduced over another number of
# threads rounds differently
for variant in random first; do
  OURO_JAVA_OPTS="-Xmx8g -Dai.djl.pytorch.num_threads=1" OURO_CACHE=off "$root/scripts/ouro" run \
    "$root/configs/smoke.yaml" "out=$out" "name=$variant" eval.rolling_window=64 "data.subset=$variant" >&2
done
vendor=$(grep -m1 '^vendor_id' /proc/cpuinfo | sed 's/^[^:]*: *//')
model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
flags=$(grep -m1 '^flags' /proc/cpuinfo | sed 's/^[^:]*: *//' | tr ' ' '\n' \
  | grep -xE 'avx2|fma|avx512f|avx512_bf16|amx_tile|amx_bf16|amx_int8' | sort | tr '\n' ' ' | sed 's/ $//')
machine="$vendor; $model; $flags"
dst="$root/harness/src/test/resources/regression/$(printf '%s' "$machine" | sha256sum | cut -c1-12)"
mkdir -p "$dst"
# the time blanked, and with it each row's sha256 (of its content, time included): fixture rows read as unverified
blank='s/"time":"[^"]*"/"time":"1970-01-01T00:00:00Z"/; s/,"sha256":"[0-9a-f]*"}$/}/'
sed -E "$blank" "$out/random/metrics.jsonl" > "$dst/smoke-metrics.jsonl"
sed -E "$blank" "$out/first/metrics.jsonl" > "$dst/smoke-metrics-first.jsonl"
echo "$machine" > "$dst/machine.txt"
echo "wrote $dst (smoke-metrics.jsonl $(wc -l < "$dst/smoke-metrics.jsonl") rows, smoke-metrics-first.jsonl" \
  "$(wc -l < "$dst/smoke-metrics-first.jsonl") rows, from $(git -C "$root" rev-parse --short HEAD), on $(cat "$dst/machine.txt"))" >&2
