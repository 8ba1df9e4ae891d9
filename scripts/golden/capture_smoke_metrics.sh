#!/usr/bin/env bash
# Captures the smoke study's metrics.jsonl (wall-clock times blanked) as a regression fixture:
#   scripts/golden/capture_smoke_metrics.sh
# SmokeStudyTest compares every numeric field of a fresh smoke study against it, so a refactoring that changes a
# number fails. Re-capture only for a deliberate change of results, and say why in the commit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# one libtorch thread: SmokeStudyTest runs the study with one thread too, and a sum reduced over another number of
# threads rounds differently
OURO_JAVA_OPTS="-Xmx8g -Dai.djl.pytorch.num_threads=1" "$root/scripts/ouro" run "$root/configs/smoke.yaml" "out=$out" eval.rolling_window=64 >&2
dst="$root/harness/src/test/resources/regression/smoke-metrics.jsonl"
sed -E 's/"time":"[^"]*"/"time":"1970-01-01T00:00:00Z"/' "$out/smoke/metrics.jsonl" > "$dst"
echo "wrote $dst ($(wc -l < "$dst") rows, from $(git -C "$root" rev-parse --short HEAD))" >&2
