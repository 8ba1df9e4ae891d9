#!/usr/bin/env bash
# check-report.sh — render RUN_DIR/report/index.html in headless Chromium and save a screenshot to look at.
#   scripts/check-report.sh RUN_DIR [OUT.png]
# Makes the report first (scripts/ouro report RUN_DIR) when RUN_DIR/report/index.html is missing.
# Needs the Debian package `chromium` (apt-get install -y chromium). A manual check, not part of CI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: scripts/check-report.sh RUN_DIR [OUT.png]" >&2
  exit 2
fi
run="$1"
html="$run/report/index.html"
if [ ! -d "$run" ]; then
  echo "check-report: $run: no such run directory" >&2
  exit 2
fi
if [ ! -f "$html" ]; then
  "$root/scripts/ouro" report "$run"
fi
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
  echo "check-report: chromium not found (Debian: apt-get install -y chromium)" >&2
  exit 2
fi
out="${2:-$run/report-screenshot.png}"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --screenshot="$out" --window-size=1400,3000 \
  "file://$(cd "$(dirname "$html")" && pwd)/index.html" >/dev/null 2>&1
[ -s "$out" ] || { echo "check-report: chromium wrote no screenshot" >&2; exit 1; }
echo "screenshot: $out"
