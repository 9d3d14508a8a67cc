#!/usr/bin/env bash
# Live capacity (issue 12) on the GPU machine, from the project root:
#   bash .device/run.sh sh -c '[QUEUE=N] [LAUNCH=TEMPLATE] bash tools/gpu/live-gpu.sh [STREAMS] [SECONDS] [CLIP] [LiveBench args...]'
# (e.g. --kafka embedded --stage tracker --sink 'kafka:k={"bootstrap": "{bootstrap}"}': a third run per N with
# stages and sinks, the broker in the bench JVM; its jars must be on CP)
# Makes the camera-like clip (High profile, CABAC, B-frames, zone-plate motion, x264 veryfast at
# 8 Mbit/s asked, key-int 60, 1080p30, byte-stream) with the bundled x264enc and the YOLOv8n-class
# 640 model (random weights, tools/detector/bench_model.py), then runs LiveBench: paced streams,
# decode-only and the full path per N. CLIP: bframe (default) or project (ServiceBench's scene clip).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/live-gpu-out}
mkdir -p "$OUT"
streams=${1:-120,150}; seconds=${2:-30}; which=${3:-bframe}; shift $(( $# < 3 ? $# : 3 ))
log="$OUT/live-gpu.txt"
status=0
source "$(dirname "$0")/steps.sh"
source "$(dirname "$0")/media.sh"
{
  echo "=== environment ($(date -u +%FT%TZ)): streams $streams, window $seconds s, clip $which"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  clip=/tmp/bframe-1080p.h264
  case "$which" in
    bframe) media_bframe ;;
    project) media_project; clip=/tmp/bench-1080p.h264 ;;
    *) echo "unknown clip '$which' (bframe or project)"; exit 2 ;;
  esac
  media_model
  step "LiveBench" 560 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.LiveBench --clip $clip --streams "$streams" \
      --seconds "$seconds" --warmup 8 --batch 32 --queue "${QUEUE:-4}" ${LAUNCH:+--launch "$LAUNCH"} --model /tmp/m/bench640.onnx --input-size 640x640 --score-threshold 0.9 "$@"
  echo "=== overall status $status"
} 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
