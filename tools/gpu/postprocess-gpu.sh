#!/usr/bin/env bash
# Postprocess (issue 5) on the GPU machine, from the project root:
#   bash .device/run.sh sh -c 'bash tools/gpu/postprocess-gpu.sh'
# Runs the @Tag("gpu") tests of dev.vahost.postprocess, the Java benchmark (NmsBench), the
# torchvision kept-set check on the tests' saved inputs and the torchvision benchmark on the
# benchmark's inputs. Output goes to $OUT/postprocess-*.txt (and the bench JSON). About 2-3 minutes.
set -uo pipefail
OUT=${OUT:-target/postprocess-out}
mkdir -p "$OUT"
JAVA=${JAVA:-java}
work=${TMPDIR:-/tmp}/vahost-postprocess
rm -rf "$work"; mkdir -p "$work"
export VAHOST_GOLDEN_OUT=$work/nms-golden VAHOST_BENCH_OUT=$work/nms-bench
console=$(ls .device/app/junit-platform-console-standalone-*.jar 2>/dev/null | head -1)
status=0

echo "== GPU tests" | tee "$OUT/postprocess-gpu-tests.txt"
timeout 180 "$JAVA" -Xmx8g -jar "$console" execute --class-path "$CP" --include-tag gpu \
  --select-package dev.vahost.postprocess --details=tree 2>&1 | tee -a "$OUT/postprocess-gpu-tests.txt"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

echo "== NmsBench" | tee "$OUT/postprocess-bench.txt"
timeout 100 "$JAVA" -Xmx8g -cp "$CP" dev.vahost.postprocess.bench.NmsBench --out "$VAHOST_BENCH_OUT" 2>&1 \
  | tee -a "$OUT/postprocess-bench.txt"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
cp "$VAHOST_BENCH_OUT/bench.json" "$OUT/postprocess-bench.json" 2>/dev/null

echo "== torchvision kept-set check" | tee "$OUT/postprocess-torchvision-check.txt"
timeout 120 python3 tools/gpu/nms_torchvision_check.py "$VAHOST_GOLDEN_OUT" 2>&1 | tee -a "$OUT/postprocess-torchvision-check.txt"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

echo "== torchvision benchmark" | tee "$OUT/postprocess-torchvision-bench.txt"
timeout 150 python3 tools/gpu/nms_torchvision_bench.py "$VAHOST_BENCH_OUT" --budget 6 2>&1 | tee -a "$OUT/postprocess-torchvision-bench.txt"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

echo "postprocess-gpu.sh: exit $status" | tee -a "$OUT/postprocess-gpu-tests.txt"
exit $status
