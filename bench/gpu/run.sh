#!/usr/bin/env bash
# Runs on the GPU machine in one call (see prepare.sh): the kernel checks on CUDA at large shapes, then the
# benchmarks, each writing JSON and a log under $OUT, and a summary table in $OUT/summary.md.
# Every step runs even if an earlier one fails; the exit code says whether all passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$(mktemp -d)}
work=$(mktemp -d)
tar xJf gpu-pack/goseqzero-bench.tar.xz -C "$work"
bench="$work/publish/GoSeqZero.Bench"
status=0

{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; nproc; } > "$OUT/machine.txt" 2>&1

step() {  # step NAME SECONDS ARGS...: one bench run with a time limit, its log kept
  local name=$1 limit=$2; shift 2
  echo "== $name: GoSeqZero.Bench $*" | tee -a "$OUT/summary.md"
  local start=$SECONDS
  timeout "$limit" "$bench" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  [ $rc -eq 0 ] || status=1
  echo "   exit $rc after $((SECONDS - start)) s; last lines:" >> "$OUT/summary.md"
  tail -n 30 "$OUT/$name.log" | sed 's/^/   /' >> "$OUT/summary.md"
}

step kernel-check-large 240 kernel-check --device cuda --scale large --json "$OUT/kernel-check-large.json"
step kernel-check-small 120 kernel-check --device cuda --scale small --json "$OUT/kernel-check-small.json"
step gemm 120 gemm --device cuda --json "$OUT/gemm.json"
step attention 120 attention --device cuda --json "$OUT/attention.json"
step rowops 60 rowops --device cuda --json "$OUT/rowops.json"
cat "$OUT/summary.md"
exit $status
