#!/usr/bin/env bash
# Phase 2 of the inference work (issue 6) on the GPU machine, from the project root:
#   bash .device/run.sh sh -c 'bash tools/gpu/inference-engine-gpu.sh'
# Needs the bundle's $JAVA and $CP (run.sh sets them), python3 with torch + onnx + onnxruntime.
# About 3 minutes. Steps (each one's failure is reported, the next still runs):
#   1. cuDNN/cuBLAS symbol check (the libraries the JNA bindings load, nm -D)
#   2. @Tag("gpu") tests of dev.vahost.inference (GPU engine vs onnxruntime on every golden, fp32 and
#      fp16, CUDA graph replay and launch by launch; the test detector end to end; graph replay with
#      alternating batch sizes, buffers and streams)
#   3. bench640.onnx regenerated here by tools/detector/bench_model.py --export --golden, with the
#      PyTorch eager fp16 benchmark in the same command (the side-by-side baseline)
#   4. the Java benchmark (InferenceBench) on that bench640.onnx at batch 1, 8, 32, fp16, NCHW and
#      channels-last engines, CUDA graphs off and on (same engine): images/s, GPU ms per batch (CUDA
#      events), host enqueue ms per batch; a per-launch profile by kind at batch 32
# Everything goes to $OUT/inference-engine-gpu.txt; a summary of the BENCH lines at the end.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/inference-engine-out}
mkdir -p "$OUT"
JAVA=${JAVA:-java}
PY=${PYTHON:-python3}
work=$(mktemp -d /tmp/inference-engine.XXXXXX)
log="$OUT/inference-engine-gpu.txt"
console=$(ls .device/app/junit-platform-console-standalone-*.jar 2>/dev/null | head -1)
status=0

source "$(dirname "$0")/steps.sh"

{
  echo "=== environment"
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || echo "nvidia-smi failed"
  "$JAVA" -version 2>&1 | head -1

  echo "=== cuDNN / cuBLAS symbols the bindings use"
  for lib in libcudnn_graph.so.9 libcudnn_ops.so.9 libcudnn_cnn.so.9 libcudnn.so.9 libcublas.so.13; do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
    echo "$lib -> ${path:-NOT FOUND}"
    [ -n "$path" ] && nm -D --defined-only "$path" 2>/dev/null \
      | grep -E " (cudnnCreate|cudnnSetStream|cudnnSetTensor4dDescriptor|cudnnSetFilter4dDescriptor|cudnnConvolutionForward|cudnnFindConvolutionForwardAlgorithmEx|cudnnGetConvolutionForwardAlgorithm_v7|cudnnGetConvolutionForwardWorkspaceSize|cublasGemmStridedBatchedEx|cublasCreate_v2|cublasSetWorkspace_v2)$" \
      | awk '{print "   " $3}' | sort | tr '\n' ' '
    echo
  done

  step "GPU tests (dev.vahost.inference)" 300 "$JAVA" -Xmx8g -jar "$console" execute --class-path "$CP" --include-tag gpu --fail-if-no-tests \
      --select-package dev.vahost.inference --details=tree --disable-banner

  step "bench640.onnx + onnxruntime golden + PyTorch eager fp16 baseline" 150 \
      $PY tools/detector/bench_model.py --out "$work" --imgsz 640 --export --golden --bench --batches 1,8,32

  if [ -f "$work/bench640.onnx" ]; then
    step "Java benchmark (CudnnEngine fp16)" 240 "$JAVA" -Xmx8g -cp "$CP" dev.vahost.inference.bench.InferenceBench \
        --model "$work/bench640.onnx" --golden-dir "$work" --batches 1,8,32 --seconds 1.5 --precision f16
  else
    echo "=== Java benchmark skipped: bench640.onnx was not generated"; status=1
  fi

  echo "=== summary (same run, same GPU, same model, input already on the GPU)"
  grep -hE "^(PYTORCH_BENCH|JAVA_BENCH|JAVA_PROFILE)" "$log" 2>/dev/null || true
  echo "=== overall status $status"
} 2>&1 | tee "$log"
rm -rf "$work"
exit "${PIPESTATUS[0]}"
