#!/usr/bin/env bash
# Bad-day campaign (issue 13): bad configs, missing files, unwritable output, corrupted run files; each case prints
# its exit code, how many stack-trace lines its stderr holds, and its first message line. Expected: bad input exit 2
# with 0 stack lines; the real run, the repair and the recompute exit 0.
#   scripts/campaign/bad-day.sh            # ~3 min on 2 cores (~8 with the issue-23 cases); writes /tmp/ouro-campaign (or $OURO_CAMPAIGN_DIR)
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
# --- issue 23 (items 4, 6, 7): non-finite weights, divergence, validate/run agreement, names and long lines ---
# plan pairs: validate and run must give the same line, exit 2, and run must leave no directory
pair() {
  local name=$1; shift
  run "$name-validate" $O validate $C "name=p-$name" out=$T/plan "$@"
  run "$name-run" $O run $C "name=p-$name" out=$T/plan "$@"
  # validate labels a config error "config: "; the jar build's own line is not the answer
  v=$(grep -m1 '^✗' $T/$name-validate.out | cut -c5- | sed 's/^config: //')
  r=$(grep -v '^ouro: building' $T/$name-run.err | grep -m1 '^ouro: ' | cut -c7-)
  [ -n "$v" ] && [ "$v" = "$r" ] && same=same || same=DIFFERENT
  [ -e "$T/plan/p-$name" ] && left=LEFT-DIR || left=no-dir
  printf '%-22s %s %s\n' "$name" "$same" "$left"
}
printf 'a b c d e\nf g h\n' > $T/short.txt; : > $T/empty.txt
mkdir -p $T/wide && cp $MODEL/* $T/wide/ && sed -i 's/"ffn_dim": 128/"ffn_dim": 256/' $T/wide/config.json
mkdir -p $T/deep && cp $MODEL/* $T/deep/ && sed -i 's/"num_hidden_layers": 2/"num_hidden_layers": 3/' $T/deep/config.json
pair short-corpus   data.corpus=text data.path=$T/short.txt model.tokenizer=bpe:300
pair empty-corpus   data.corpus=text data.path=$T/empty.txt model.tokenizer=bpe:300
pair out-is-file    out=$T/afile
pair name-300       name=$(printf 'n%.0s' $(seq 300))
pair block-overflow data.block_size=2147483647 generate.new_tokens=2147483647 model.max_position_embeddings=2147483647
pair huge-truth     data.ground_truth.train_lines=2000000000
pair base-shapes    init=base model.base=$T/wide
pair base-count     init=base model.base=$T/deep
pair vocab-small    model.vocab_size=20
pair epochs-frac    train.epochs=1.5
pair fresh-empty    'policies=[fresh-real:0.5]' data.ground_truth.train_lines=40 data.max_train_blocks=100000
# non-finite weights: the golden model with its last float overwritten by a NaN
mkdir -p $T/nan && cp $MODEL/* $T/nan/ && printf '\x00\x00\xc0\x7f' | dd of=$T/nan/model.safetensors bs=1 seek=$(( $(stat -c %s $T/nan/model.safetensors) - 4 )) conv=notrunc 2>/dev/null
run nan-eval           $O eval --model $T/nan --text $root/models/src/test/resources/golden/eval.txt --block 16
run nan-generate       $O generate --model $T/nan --prompts /etc/hostname --out $T/g3.bin
run nan-convert        $O convert --model $T/nan --out $T/nan-converted
run nan-base-run       $O run $C name=nb out=$T/runs init=base model.base=$T/nan generations=1 'seeds=[0]' 'policies=[replace]'
run diverge-lr         $O run $C name=lr out=$T/runs optim.lr=1e30 generations=1 'seeds=[0]' 'policies=[replace]'
run diverge-resume     $O run $C name=lr out=$T/runs optim.lr=1e30 generations=1 'seeds=[0]' 'policies=[replace]'
# locale: scripts/ouro starts the JVM under C.UTF-8 when the caller's locale is not UTF-8
cp $root/models/src/test/resources/golden/eval.txt "$T/évaluation.txt"
run c-locale-name      env LC_ALL=C $O validate $C name=étude out=$T/runs
run c-locale-text      env LC_ALL=C $O eval --model $MODEL --text "$T/évaluation.txt" --block 16
# a 50 MB corpus in one line: progress lines while it is tokenized
python3 -c 'import sys; open(sys.argv[1], "w").write("abcd efg " * 5_500_000)' $T/long.txt
run long-line          $O eval --model $MODEL --text $T/long.txt --block 16 --max-blocks 4
echo "long-line progress lines: $(grep -c 'tokenizing one line' $T/long-line.err)"
# --fresh-jvm on a run directory another process holds: refused before any child starts
mkdir -p $T/runs/s && python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"w"); fcntl.lockf(f,fcntl.LOCK_EX); time.sleep(60)' $T/runs/s/.lock & locker=$!
sleep 1
run fresh-jvm-locked   $O run $C name=s out=$T/runs generations=3 'seeds=[0]' 'policies=[replace]' --fresh-jvm
kill $locker 2>/dev/null
