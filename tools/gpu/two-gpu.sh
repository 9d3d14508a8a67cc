#!/usr/bin/env bash
# Issue 18 on the nvidia-h200-x2 machine, from the project root:
#   bash .device/run.sh bash tools/gpu/two-gpu.sh [STREAMS_PER_GPU] [SECONDS]
# Two LiveBench processes at the same time, one per GPU (--gpu-id 0 and 1: each sees its GPU alone),
# STREAMS_PER_GPU paced 1080p30 streams each (the camera-like B-frame clip, the 640 model): per process
# decode-only and the full path, with that GPU's SM and NVDEC use; meanwhile nvidia-smi lists which
# process holds memory on which GPU (the proof that each worker touches only its own). The single-GPU
# figure for the ratio: the same run on GPU 0 alone, first.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/two-gpu-out}
mkdir -p "$OUT"
n=${1:-140}; seconds=${2:-30}
status=0
source "$(dirname "$0")/steps.sh"
source "$(dirname "$0")/media.sh"
bench() { # GPU_ID LOG
  "$JAVA" -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.LiveBench --gpu-id "$1" --clip /tmp/bframe-1080p.h264 --streams "$n" \
      --seconds "$seconds" --warmup 8 --batch 32 --queue 8 --model /tmp/m/bench640.onnx --input-size 640x640 --score-threshold 0.9 > "$2" 2>&1
}
{
  echo "=== environment ($(date -u +%FT%TZ)): $n streams per GPU, window $seconds s"
  nvidia-smi --query-gpu=index,name,pci.bus_id,driver_version --format=csv,noheader 2>&1
  media_bframe; media_model
  echo "=== GPU 0 alone"
  bench 0 "$OUT/alone.txt" || status=1
  grep -E "^(LiveBench|decode-only|full path|N=|LIVE_CAPACITY)" "$OUT/alone.txt"
  echo "=== both GPUs at once"
  bench 0 "$OUT/gpu0.txt" & p0=$!
  bench 1 "$OUT/gpu1.txt" & p1=$!
  sleep 25
  echo "LiveBench processes: gpu-id 0 -> pid $(pgrep -P $p0 java || echo $p0), gpu-id 1 -> pid $(pgrep -P $p1 java || echo $p1)"
  nvidia-smi --query-compute-apps=pid,gpu_bus_id,used_memory --format=csv 2>&1
  nvidia-smi --query-gpu=index,pci.bus_id,utilization.gpu,utilization.decoder --format=csv 2>&1
  wait $p0 || status=1; wait $p1 || status=1
  for g in 0 1; do echo "--- gpu $g"; grep -E "^(LiveBench|decode-only|full path|N=|LIVE_CAPACITY)" "$OUT/gpu$g.txt"; done
  echo "=== overall status $status"
} 2>&1 | tee "$OUT/two-gpu.txt"
exit "${PIPESTATUS[0]}"
