#!/usr/bin/env bash
# Downloads sentence-transformers/all-MiniLM-L6-v2 (the sentence encoder for semantic_cosine) into DEST and prints
# checksums.
#
#   scripts/fetch-minilm.sh DEST        # e.g. scripts/fetch-minilm.sh checkpoints/all-MiniLM-L6-v2
#
# Fetches config.json, model.safetensors (~90 MB, fp32), tokenizer.json, modules.json, sentence_bert_config.json
# and 1_Pooling/config.json: what ouro's encoder reads (BertModel weights, the fast tokenizer, mean pooling,
# Normalize, max_seq_length 256). Needs curl and internet access: run it once on a machine that has both, then
# copy DEST anywhere. HF_ENDPOINT overrides https://huggingface.co (a mirror); REVISION picks a branch or commit
# (default main); HF_TOKEN, if set, is sent as a bearer token.
# Afterwards: set eval.semantic_encoder: DEST in the study's config and run scripts/ouro validate CONFIG
set -euo pipefail
if [[ $# -ne 1 ]]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
dest="$1"
endpoint="${HF_ENDPOINT:-https://huggingface.co}"
revision="${REVISION:-main}"
base="$endpoint/sentence-transformers/all-MiniLM-L6-v2/resolve/$revision"
auth=()
if [[ -n "${HF_TOKEN:-}" ]]; then
  auth=(-H "Authorization: Bearer $HF_TOKEN")
fi
mkdir -p "$dest/1_Pooling"
for name in config.json model.safetensors tokenizer.json modules.json sentence_bert_config.json 1_Pooling/config.json; do
  if [[ -s "$dest/$name" ]]; then
    echo "have $dest/$name"
    continue
  fi
  echo "fetching $base/$name"
  curl -fL --retry 3 ${auth[@]+"${auth[@]}"} -o "$dest/$name.part" "$base/$name"
  mv "$dest/$name.part" "$dest/$name"
done
echo "sha256:"
(cd "$dest" && find . -type f ! -name '*.part' | sort | while read -r f; do
  if command -v sha256sum >/dev/null; then sha256sum "$f"; else shasum -a 256 "$f"; fi
done)
