#!/usr/bin/env bash
# ops (issue 4: GPU preprocessing aligned with OpenCV) on the GPU machine.
# Run from the project root under the device runner (which defines JAVA and CP):
#   bash .device/run.sh sh -c 'bash tools/gpu/ops-gpu.sh'
# About 2 minutes. Steps (each with a time limit; a failing step is reported and the next runs):
#   1. JUnit GPU tests of dev.vahost.ops (tag "gpu"): every GPU op against its CPU reference on
#      decoded frames; they also write the golden outputs for step 3 into $VAHOST_GOLDEN_OUT
#   2. LetterboxResizeBench: NV12 1080p -> 640x640 letterbox fp16 NCHW, batch 1/8/32, CUDA events,
#      GB/s against the peak; writes its frames for step 4
#   3. ops_cv2_check.py: the GPU outputs against cv2.cvtColor / cv2.resize (max |diff| <= 1); then
#      the CPU references' outputs (CpuGoldenOutputs) against cv2 the same way
#   4. ops_torch_baseline.py: the same preprocessing in PyTorch GPU ops on the same frames, side by side
# Writes into $OUT (default ./out-ops), all small text files:
#   ops-gpu-tests.txt, ops-bench.txt, ops-cv2-check.txt, ops-torch-baseline.txt, ops-gpu.txt (everything)
# Exit status non-zero if any step failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/out-ops}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
: "${JAVA:?run under .device/run.sh, which defines JAVA and CP}"
: "${CP:?run under .device/run.sh, which defines JAVA and CP}"
work=$(mktemp -d /tmp/ops-gpu.XXXXXX)
export VAHOST_GOLDEN_OUT=$work/golden
console=$(ls .device/app/junit-platform-console-standalone-*.jar 2>/dev/null | head -1)
# Python must not load the bundled GStreamer runtime's libraries, which run.sh puts first on
# LD_LIBRARY_PATH (its GLib, zlib ... are Debian's, not the ones PyTorch and OpenCV were built with).
pyld=$(printf '%s' "${LD_LIBRARY_PATH:-}" | tr ':' '\n' | grep -v '^/tmp/rt/' | paste -sd: -)
status=0

step() {  # step NAME LOGFILE TIMEOUT_S COMMAND...
  local name=$1 file=$2 limit=$3; shift 3
  echo "=== $name ($(date -u +%H:%M:%S), limit ${limit}s)"
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$OUT/$file"
  local rc=${PIPESTATUS[0]}
  echo "=== $name: exit $rc after $((SECONDS - t0)) s"
  [ "$rc" -eq 0 ] || status=1
}

py=(env LD_LIBRARY_PATH="$pyld" PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 "$PY")

{
  echo "=== environment"
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv 2>&1 || echo "nvidia-smi failed"
  "$JAVA" -version 2>&1 | head -1
  "${py[@]}" -c 'import sys, numpy, cv2, torch; print("python", sys.version.split()[0], "numpy", numpy.__version__, "opencv", cv2.__version__, "torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1
  rm -f "$OUT"/ops-gpu-tests.txt "$OUT"/ops-bench.txt "$OUT"/ops-cv2-check.txt "$OUT"/ops-torch-baseline.txt

  if [ -n "$console" ]; then
    step "ops GPU tests" ops-gpu-tests.txt 300 "$JAVA" -Dvahost.goldenOut="$VAHOST_GOLDEN_OUT" -jar "$console" execute \
        --class-path "$CP" --include-tag gpu --fail-if-no-tests --select-package dev.vahost.ops --details=tree
  else
    echo "=== ops GPU tests: no JUnit console launcher under .device/app"; status=1
  fi

  step "LetterboxResizeBench" ops-bench.txt 240 "$JAVA" -cp "$CP" dev.vahost.ops.bench.LetterboxResizeBench \
      --iters 200 --frames-out "$work/bench"

  if [ -f "$VAHOST_GOLDEN_OUT/index.json" ]; then
    step "ops_cv2_check (GPU outputs)" ops-cv2-check.txt 180 "${py[@]}" tools/gpu/ops_cv2_check.py "$VAHOST_GOLDEN_OUT"
  else
    echo "=== ops_cv2_check (GPU outputs): no golden outputs (OpenCvGoldenGpuTest did not write them)" | tee -a "$OUT/ops-cv2-check.txt"
    status=1
  fi
  step "CPU references -> golden files" ops-cv2-check.txt 120 "$JAVA" -cp "$CP" dev.vahost.ops.CpuGoldenOutputs "$work/golden-cpu"
  step "ops_cv2_check (CPU references)" ops-cv2-check.txt 180 "${py[@]}" tools/gpu/ops_cv2_check.py "$work/golden-cpu"

  if [ -f "$work/bench/index.json" ]; then
    step "ops_torch_baseline" ops-torch-baseline.txt 240 "${py[@]}" tools/gpu/ops_torch_baseline.py "$work/bench"
  else
    echo "=== ops_torch_baseline: the benchmark wrote no frames" | tee -a "$OUT/ops-torch-baseline.txt"
    status=1
  fi
  rm -rf "$work"
  echo "=== files in \$OUT"
  ls -la "$OUT"
  echo "=== overall status $status"
  exit $status
} 2>&1 | tee "$OUT/ops-gpu.txt"
exit "${PIPESTATUS[0]}"
