#!/usr/bin/env bash
# Postprocess (issue 5) on the GPU machine, from the project root, under the device runner (which
# defines JAVA and CP):
#   bash .device/run.sh sh -c 'bash tools/gpu/postprocess-gpu.sh'
# Steps (each time-limited; a failing step is reported and the next still runs):
#   1. GPU tests (GpuPostprocessorTest, tag gpu): GPU == CPU reference; they save the NMS inputs and
#      kept sets for step 3
#   2. NmsBench: decode+NMS+compaction+copy at 32 x 1000 and 32 x 10000, CUDA events; saves its inputs
#   3. nms_torchvision_check.py: kept sets vs torchvision (per-class nms and batched_nms as called)
#   4. nms_torchvision_bench.py: torchvision on the benchmark's inputs; adds its timings to the JSON
# Writes exactly two files into $OUT: postprocess.txt (everything, in order, summary at the end) and
# postprocess-bench.json (NmsBench's numbers plus torchvision's). Typically 2-3 minutes, at most ~8.
# Exit status non-zero if any step failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/postprocess-out}
mkdir -p "$OUT"
log=$OUT/postprocess.txt
json=$OUT/postprocess-bench.json
rm -f "$log" "$json"
: "${JAVA:?run under .device/run.sh, which defines JAVA and CP}"
: "${CP:?run under .device/run.sh, which defines JAVA and CP}"
PY=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/vahost-postprocess.XXXXXX")
export VAHOST_GOLDEN_OUT=$work/nms-golden VAHOST_BENCH_OUT=$work/nms-bench
console=$(ls .device/app/junit-platform-console-standalone-*.jar 2>/dev/null | head -1)
# Python must not load the bundled GStreamer runtime's libraries, which run.sh puts first on
# LD_LIBRARY_PATH.
pyld=$(printf '%s' "${LD_LIBRARY_PATH:-}" | tr ':' '\n' | grep -v '^/tmp/rt/' | paste -sd: -)
py=(env LD_LIBRARY_PATH="$pyld" PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 "$PY")
status=0
summary=()

say() { echo "$*" | tee -a "$log"; }

step() {  # step NAME LIMIT_S COMMAND...
  local name=$1 limit=$2; shift 2
  say "=== $name ($(date -u +%H:%M:%S), limit ${limit}s)"
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" 2>&1 | grep -v '^Picked up JAVA_TOOL_OPTIONS' | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  say "=== $name: exit $rc after $((SECONDS - t0)) s"
  if [ "$rc" -eq 0 ]; then summary+=("$name: ok"); else summary+=("$name: FAILED (exit $rc)"); status=1; fi
}

say "=== environment"
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "nvidia-smi failed"
  "$JAVA" -version 2>&1 | grep -v '^Picked up' | head -1
  "${py[@]}" -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -1
} | tee -a "$log"

if [ -n "$console" ]; then
  # --select-class, not --select-package: package scanning of the jars prints long stack traces here.
  step "GPU tests" 150 "$JAVA" -Xmx8g -jar "$console" execute --class-path "$CP" --include-tag gpu --fail-if-no-tests \
      --select-class dev.vahost.postprocess.GpuPostprocessorTest --details=tree --disable-banner --disable-ansi-colors
else
  say "=== GPU tests: no JUnit console launcher under .device/app"; summary+=("GPU tests: NOT RUN"); status=1
fi

step "NmsBench" 90 "$JAVA" -Xmx8g -cp "$CP" dev.vahost.postprocess.bench.NmsBench --out "$VAHOST_BENCH_OUT"
cp "$VAHOST_BENCH_OUT/bench.json" "$json" 2>/dev/null || say "(no bench.json from NmsBench)"

if [ -f "$VAHOST_GOLDEN_OUT/index.json" ]; then
  step "torchvision kept-set check" 120 "${py[@]}" tools/gpu/nms_torchvision_check.py "$VAHOST_GOLDEN_OUT"
else
  say "=== torchvision kept-set check: no saved inputs (the GPU tests did not get that far)"
  summary+=("torchvision kept-set check: NOT RUN"); status=1
fi

if [ -f "$VAHOST_BENCH_OUT/bench.json" ]; then
  step "torchvision benchmark" 120 "${py[@]}" tools/gpu/nms_torchvision_bench.py "$VAHOST_BENCH_OUT" --budget 4 --json "$json"
else
  say "=== torchvision benchmark: no benchmark inputs"; summary+=("torchvision benchmark: NOT RUN"); status=1
fi

say "=== summary"
for s in "${summary[@]}"; do say "  $s"; done
grep -E '^\[ +[0-9]+ tests (successful|failed)|GPU vs CPU reference|^OK:|^FAIL:|target <= 0.3 ms|faster than every' "$log" \
  | sed 's/^/  /' > "$work/summary"
tee -a "$log" < "$work/summary"
rm -rf "$work"
say "postprocess-gpu.sh: exit $status"
exit $status
