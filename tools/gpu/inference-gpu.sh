#!/usr/bin/env bash
# Phase 1 of the inference work on the GPU machine: Python only (no Java needed).
# Run from the project root, directly or under the device runner:
#   bash tools/gpu/inference-gpu.sh                  # writes into $OUT (default ./out-inference)
#   bash .device/run.sh sh -c 'bash tools/gpu/inference-gpu.sh'
# About 5 minutes: golden outputs (~30 s), train the test detector (~1 min rendering + ~2 min
# training + export/scoring), the benchmark model and its PyTorch fp16 numbers (~1 min).
# Writes 7 files into $OUT (flat, each under 16 MiB):
#   inference-gpu.txt      this whole log (environment, every step's output)
#   cuda-facts.txt         cuDNN/cuBLAS library locations, versions, C prototypes and enum values
#   goldens.tar.gz         goldens/: per-operator models, inputs, onnxruntime outputs, index.tsv,
#                          and detector_{images,output}.pb + detector_boxes.tsv for the test detector
#   testdet.onnx           the trained test detector (opset 17, IR 8)
#   testdet.md             its model card with validation recall/precision
#   bench640.onnx          the YOLOv8n-class benchmark model (random weights, opset 17)
#   bench640-io.tar.gz     bench640_input.pb + bench640_output.pb (onnxruntime CPU, batch 1)
# A failing step is reported and the next one still runs; the exit status is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/out-inference}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
work=$(mktemp -d /tmp/inference-gpu.XXXXXX)
log="$OUT/inference-gpu.txt"
status=0

source "$(dirname "$0")/steps.sh"

{
  echo "=== environment"
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || echo "nvidia-smi failed"
  nproc
  $PY -c 'import sys, numpy, onnx, onnxruntime, torch, torchvision
print("python", sys.version.split()[0], "numpy", numpy.__version__, "onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__,
      "torch", torch.__version__, "torchvision", torchvision.__version__, "cuda", torch.cuda.is_available())
try:
    import cv2; print("opencv", cv2.__version__)
except Exception as e:
    print("opencv missing:", e)' 2>&1

  step "cuda facts" 60 sh -c "$PY tools/gpu/inference-cuda-facts.py > '$OUT/cuda-facts.txt' 2>&1"
  grep -E "^(== torch|FUNC cudnnCreate|FUNC cublasCreate|ENUM cudnnConvolutionFwdAlgo_t)" "$OUT/cuda-facts.txt" | cut -c1-400

  step "goldens" 100 $PY tools/detector/goldens.py --out "$work/goldens"

  step "train test detector" 300 $PY tools/detector/train.py --out "$work/detector" --golden-dir "$work/goldens" \
      --seconds "${TRAIN_SECONDS:-110}" --gen-seconds "${GEN_SECONDS:-60}" ${TRAIN_ARGS:-}
  for f in testdet.onnx testdet.md; do [ -f "$work/detector/$f" ] && cp "$work/detector/$f" "$OUT/"; done
  [ -f "$work/detector/testdet.md" ] && cat "$work/detector/testdet.md"
  [ -f "$work/detector/testdet-metrics.json" ] && { cat "$work/detector/testdet-metrics.json"; echo; }

  step "bench model: export, onnxruntime golden, PyTorch eager fp16" 130 \
      $PY tools/detector/bench_model.py --out "$work/bench" --imgsz 640 --export --golden --bench --batches 1,8,32
  [ -f "$work/bench/bench640.onnx" ] && cp "$work/bench/bench640.onnx" "$OUT/"
  if [ -f "$work/bench/bench640_output.pb" ]; then
    tar -C "$work/bench" -czf "$OUT/bench640-io.tar.gz" bench640_input.pb bench640_output.pb
  fi

  if [ -d "$work/goldens" ]; then
    tar -C "$work" -czf "$OUT/goldens.tar.gz" goldens
    echo "goldens: $(ls "$work/goldens" | wc -l) files, $(du -sh "$work/goldens" | cut -f1)"
  fi
  echo "=== files in \$OUT"
  ls -la "$OUT"
  echo "=== overall status $status"
  exit $status
} 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
