#!/usr/bin/env bash
# Bad-day campaign (issue 13): bad configs, missing files, unwritable output, corrupted run files; each case prints
# its exit code, how many stack-trace lines its stderr holds, and its first message line. Expected: bad input exit 2
# with 0 stack lines; the real run, the repair and the recompute exit 0.
#   scripts/campaign/bad-day.sh            # ~3 min on 2 cores; writes /tmp/ouro-campaign
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
O="$root/scripts/ouro"
export OURO_JAVA_OPTS="-Xmx4g -Dai.djl.pytorch.num_threads=1"
C="$root/configs/smoke.yaml"
TOK="$root/models/src/test/resources/golden/tokenizer"
MODEL="$root/models/src/test/resources/golden/pre_ln_tied_safetensors/model"
T=/tmp/ouro-campaign; rm -rf $T; mkdir -p $T
run() {
  local name=$1; shift
  ( cd $T && "$@" ) > $T/$name.out 2> $T/$name.err; rc=$?
  st=$(grep -cE '^\s+at [a-z]|Exception in thread' $T/$name.err)
  printf '%-22s rc=%-3s stack=%-3s %s\n' "$name" "$rc" "$st" "$(cat $T/$name.err $T/$name.out | grep -vE 'INFO' | head -1 | cut -c1-110)"
}
echo "" > $T/empty.yaml
printf 'name: a\nname: b\n' > $T/dup.yaml
printf '\xff\xfe\x00bin' > $T/bin.yaml
touch $T/afile
run empty-config        $O validate $T/empty.yaml
run duplicate-key       $O validate $T/dup.yaml
run binary-config       $O validate $T/bin.yaml
run missing-config      $O run /nope.yaml
run unknown-key         $O validate $C name=x bogus.key=1
run bad-enum            $O validate $C name=x keep=lst
run lr-zero             $O validate $C name=x optim.lr=0
run name-escape         $O run $C name=../../etc out=$T/runs
run name-absolute       $O run $C name=/tmp/x out=$T/runs
run bad-policy          $O validate $C name=x 'policies=[replce]'
run curate-low-q        $O validate $C name=x 'policies=[keep-real:0.1+curate:0.5]'
run bad-device          $O validate $C name=x device=tpu
run cuda-no-gpu         $O validate $C name=x device=cuda
run bad-precision       $O validate $C name=x precision=fp8
run attn-typo           $O validate $C name=x model.attention=flash
run readonly-out        $O run $C name=ro out=/proc/ro
run eval-missing-model  $O eval --model /nope --text /etc/hostname
run report-missing      $O report /nope
run verify-missing      $O verify /nope
run samples-missing     $O samples /nope
run doctor              $O doctor
# a real small run, then corruption
run smoke-1gen          $O run $C name=s out=$T/runs generations=2 'seeds=[0]' 'policies=[replace]'
d=$T/runs/s
truncate -s -120 $d/metrics.jsonl
run torn-metrics-resume $O resume $d
f=$(find $d -name synthetic.bin | head -1); [ -n "$f" ] && printf 'XXXXXXXXXXXXXXXXXXXX' | dd of=$f bs=1 seek=200 conv=notrunc 2>/dev/null
run verify-corrupt      $O verify $d
run resume-corrupt-syn  $O resume $d
run extend-gens         $O run $C name=s out=$T/runs generations=3 'seeds=[0]' 'policies=[replace]'
run report-ok           $O report $d
run samples-bad-policy  $O samples $d --policy nope
run generate-no-model  $O generate --model /nope --prompts /etc/hostname --out $T/g.bin
run init-hidden-huge   $O init --out $T/huge --tokenizer $TOK --hidden 100000
run init-out-is-file   $O init --out $T/afile --tokenizer $TOK
run generate-empty     $O generate --model $MODEL --prompts /dev/null --out $T/g2.bin
run unknown-train-key  $O train --config $root/configs/train-tiny.yaml out=$T/tr train.block_size=100000
