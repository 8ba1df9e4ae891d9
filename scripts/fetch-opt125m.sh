#!/usr/bin/env bash
# Downloads facebook/opt-125m (the model of Shumailov et al.) into DEST and prints checksums.
#
#   scripts/fetch-opt125m.sh DEST        # e.g. scripts/fetch-opt125m.sh checkpoints/opt-125m
#
# Fetches config.json, pytorch_model.bin (~250 MB, fp16 torch pickle; ouro reads it directly), vocab.json,
# merges.txt, tokenizer_config.json and special_tokens_map.json. Needs curl and internet access: run it once on
# a machine that has both, then copy DEST anywhere (the configs expect checkpoints/opt-125m).
# HF_ENDPOINT overrides https://huggingface.co (a mirror); REVISION picks a branch or commit (default main);
# HF_TOKEN, if set, is sent as a bearer token.
# Afterwards: scripts/ouro validate configs/shumailov-replace.yaml
set -euo pipefail
if [[ $# -ne 1 ]]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
dest="$1"
endpoint="${HF_ENDPOINT:-https://huggingface.co}"
revision="${REVISION:-main}"
base="$endpoint/facebook/opt-125m/resolve/$revision"
auth=()
if [[ -n "${HF_TOKEN:-}" ]]; then
  auth=(-H "Authorization: Bearer $HF_TOKEN")
fi
mkdir -p "$dest"
for name in config.json pytorch_model.bin vocab.json merges.txt tokenizer_config.json special_tokens_map.json; do
  if [[ -s "$dest/$name" ]]; then
    echo "have $dest/$name"
    continue
  fi
  echo "fetching $base/$name"
  curl -fL --retry 3 ${auth[@]+"${auth[@]}"} -o "$dest/$name.part" "$base/$name"
  mv "$dest/$name.part" "$dest/$name"
done
echo "sha256:"
(cd "$dest" && if command -v sha256sum >/dev/null; then sha256sum ./*; else shasum -a 256 ./*; fi)
