#!/usr/bin/env bash
# Downloads wikitext-2-raw-v1 (HF parquet, Salesforce/wikitext) into DEST/wikitext-2-raw-v1/ and prints checksums.
#
#   scripts/fetch-wikitext2.sh DEST        # e.g. scripts/fetch-wikitext2.sh data/wikitext-2
#
# Needs curl and internet access (run it once on a machine that has both, then copy DEST anywhere).
# Wikitext2.load(DEST) reads the result; it also reads the original wiki.{train,valid,test}.raw if you have those.
# HF_ENDPOINT overrides https://huggingface.co (a mirror); REVISION picks a branch or commit (default main).
set -euo pipefail
if [[ $# -ne 1 ]]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
dest="$1/wikitext-2-raw-v1"
endpoint="${HF_ENDPOINT:-https://huggingface.co}"
revision="${REVISION:-main}"
base="$endpoint/datasets/Salesforce/wikitext/resolve/$revision/wikitext-2-raw-v1"
mkdir -p "$dest"
for name in train-00000-of-00001.parquet validation-00000-of-00001.parquet test-00000-of-00001.parquet; do
  if [[ -s "$dest/$name" ]]; then
    echo "have $dest/$name"
    continue
  fi
  echo "fetching $base/$name"
  curl -fL --retry 3 -o "$dest/$name.part" "$base/$name"
  mv "$dest/$name.part" "$dest/$name"
done
echo "sha256:"
(cd "$dest" && if command -v sha256sum >/dev/null; then sha256sum ./*.parquet; else shasum -a 256 ./*.parquet; fi)
