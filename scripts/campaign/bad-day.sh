#!/usr/bin/env bash
# Bad-day campaign (issue 13): bad configs, missing files, unwritable output, corrupted run files; each case prints
# its exit code, how many stack-trace lines its stderr holds, and its first message line. Expected: bad input exit 2
# with 0 stack lines; the real run, the repair and the recompute exit 0.
#   scripts/campaign/bad-day.sh            # ~3 min on 2 cores; writes /tmp/ouro-campaign (or $OURO_CAMPAIGN_DIR)
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
O="$root/scripts/ouro"
export OURO_JAVA_OPTS="-Xmx4g -Dai.djl.pytorch.num_threads=1"
C="$root/configs/smoke.yaml"
TOK="$root/models/src/test/resources/golden/tokenizer"
MODEL="$root/models/src/test/resources/golden/pre_ln_tied_safetensors/model"
T=${OURO_CAMPAIGN_DIR:-/tmp/ouro-campaign}; rm -rf $T; mkdir -p $T
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
# issue 23: results that cannot be silently wrong. Each case works on a copy of the finished run s (3 generations,
# keep: last). Expected: every changed result named by verify (exit 2) and refused by resume/report (exit 2) or
# repaired/recomputed (exit 0, identical); a legacy directory verifies (exit 0) with its unverified lines.
fresh() { rm -rf $T/runs/c; cp -r $d $T/runs/c; rm -f $T/runs/c/.lock*; c=$T/runs/c; }
fresh; sed -i '2s/\("metrics":{"[a-z_0-9]*":\)\([0-9]\)/\19\2/' $c/metrics.jsonl
run metrics-digit-verify  $O verify $c
run metrics-digit-resume  $O resume $c
run metrics-digit-report  $O report $c
fresh; sed -i '3a garbage {' $c/metrics.jsonl; sed -n 2p $c/metrics.jsonl >> $c/metrics.jsonl
run metrics-dup-verify    $O verify $c
run metrics-dup-resume    $O resume $c
run metrics-dup-verified  $O verify $c
fresh; e=$c/policy=replace/seed=0/gen=001/eval.json; sed -i '0,/"synthetic" : \[ [0-9]/s/\("synthetic" : \[ \)\([0-9]\)/\19\2/' $e
run evaljson-verify       $O verify $c
sed -i '/"generation":1,/d' $c/metrics.jsonl
run evaljson-resume       $O resume $c
fresh; m=$c/policy=replace/seed=0/gen=000/model/model.safetensors
printf '\x7f' | dd of=$m bs=1 seek=$(( $(stat -c %s $m) - 100 )) conv=notrunc 2>/dev/null
run model-flip-verify     $O verify $c
run model-flip-extend     $O run $C name=c out=$T/runs generations=4 'seeds=[0]' 'policies=[replace]'
run model-flip-verified   $O verify $c
fresh; sed -i 's/"config_hash" : "\(.\)/"config_hash" : "x/' $c/manifest.json
run manifest-hash-verify  $O verify $c
fresh; rm -rf $c/policy=replace/seed=0/gen=001
run gen-deleted-verify    $O verify $c
run gen-deleted-resume    $O resume $c
run gen-deleted-verified  $O verify $c
fresh; sed -i 's/,"sha256":"[0-9a-f]*"}$/}/' $c/metrics.jsonl
for f in $c/policy=*/seed=*/gen=*/DONE; do g=$(basename $(dirname $f)); echo "{\"generation\": $((10#${g#gen=}))}" > $f; done
run legacy-verify         $O verify $c
run legacy-report         $O report $c
