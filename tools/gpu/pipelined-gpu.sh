#!/usr/bin/env bash
# Batches in flight (issue 12) on the GPU machine, from the project root:
#   bash .device/run.sh sh -c 'bash tools/gpu/pipelined-gpu.sh [PHASE...]'
# Phases (all when none is named):
#   tests     ServiceGpuTest (1, 2, 3 batches in flight vs ground truth, no frame bytes to the host, no result
#             read before its completion marker), the pixelate kernel test, FaultFuzzGpuTest (H.264 fuzz on NVDEC)
#   unpaced   ServiceBench, 128 unpaced streams of the camera-like clip, the 640 model: decode-only, then the full
#             path with 1 and 2 batches in flight; then the same with a 1280 model (4x the compute: the detector,
#             not the decoders, is the limit there, which is where overlapping host and GPU work can show; its
#             second slot needs a 16 GiB pool). Each ServiceBench run takes ~50 s (128 decoders and the engines start).
#   paced     LiveBench, 145 paced streams of the camera-like clip, the 640 model, 2 batches in flight (the default)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/pipelined-gpu-out}
mkdir -p "$OUT"
phases=" ${*:-tests unpaced paced} "
has() { case "$phases" in *" $1 "*) return 0 ;; esac; return 1; }
log="$OUT/pipelined-gpu.txt"
status=0
source "$(dirname "$0")/steps.sh"
source "$(dirname "$0")/media.sh"
export JUNIT_DETAILS=tree
{
  echo "=== environment ($(date -u +%FT%TZ)): phases:$phases"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  if has tests; then
    junit "GPU tests: the service with 1, 2, 3 batches in flight; pixelate; fault fuzz on NVDEC" 300 \
        --select-class dev.vahost.pipelines.ServiceGpuTest --select-class dev.vahost.examples.pixelate.PixelateGpuTest \
        --select-class dev.vahost.pipelines.faults.FaultFuzzGpuTest
  fi
  if has unpaced || has paced; then media_bframe; media_model; fi
  if has unpaced; then
    step "ServiceBench 128 unpaced, 640 model, 1/2 batches in flight" 240 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.ServiceBench \
        --streams 128 --seconds 10 --warmup 5 --batch 32 --clip /tmp/bframe-1080p.h264 --compare-in-flight 1,2 \
        --model /tmp/m/bench640.onnx --input-size 640x640 --score-threshold 0.9
    [ -s /tmp/m/bench1280.onnx ] || step "bench1280.onnx" 180 python3 tools/detector/bench_model.py --out /tmp/m --export --imgsz 1280
    step "ServiceBench 128 unpaced, 1280 model, 1/2 batches in flight" 240 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.ServiceBench \
        --streams 128 --seconds 10 --warmup 5 --batch 32 --clip /tmp/bframe-1080p.h264 --compare-in-flight 1,2 \
        --model /tmp/m/bench1280.onnx --input-size 1280x1280 --score-threshold 0.9 --detector-pool-mib 16384
  fi
  if has paced; then
    step "LiveBench 145 paced, 640 model, 2 in flight" 200 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.LiveBench \
        --clip /tmp/bframe-1080p.h264 --streams 145 --seconds 30 --warmup 8 --batch 32 --queue 8 \
        --model /tmp/m/bench640.onnx --input-size 640x640 --score-threshold 0.9
  fi
  echo "=== summary"
  grep -hE "^(=== .*exit|N=|full path|decode-only|LIVE_CAPACITY|fault fuzz|  total|  h264|.*completion marker|\[ +[0-9]+ tests (successful|failed)|.*(✘|\[X\]).*)" "$log" 2>/dev/null | head -120
  echo "=== overall status $status"
} 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
