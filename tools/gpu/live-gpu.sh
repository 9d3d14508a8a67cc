#!/usr/bin/env bash
# Live capacity (issue 12) on the GPU machine, from the project root:
#   bash .device/run.sh sh -c '[QUEUE=N] [LAUNCH=TEMPLATE] bash tools/gpu/live-gpu.sh [STREAMS] [SECONDS] [CLIP]'
# Makes the camera-like clip (High profile, CABAC, B-frames, zone-plate motion, x264 veryfast at
# 8 Mbit/s asked, key-int 60, 1080p30, byte-stream) with the bundled x264enc and the YOLOv8n-class
# 640 model (random weights, tools/detector/bench_model.py), then runs LiveBench: paced streams,
# decode-only and the full path per N. CLIP: bframe (default) or project (ServiceBench's scene clip).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/live-gpu-out}
mkdir -p "$OUT"
streams=${1:-120,150}; seconds=${2:-30}; which=${3:-bframe}
log="$OUT/live-gpu.txt"
status=0
source "$(dirname "$0")/steps.sh"
{
  echo "=== environment ($(date -u +%FT%TZ)): streams $streams, window $seconds s, clip $which"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  clip=/tmp/bframe-1080p.h264
  if [ "$which" = bframe ] && [ ! -s $clip ]; then
    step "camera-like clip (x264enc High, B-frames, zone plate)" 180 gst-launch-1.0 -q videotestsrc pattern=zone-plate kx2=20 ky2=20 kt=1 \
        num-buffers=600 ! video/x-raw,format=I420,width=1920,height=1080,framerate=30/1 ! x264enc bitrate=8000 speed-preset=veryfast \
        key-int-max=60 ! video/x-h264,profile=high,stream-format=byte-stream ! filesink location=$clip
    ls -la $clip
  fi
  if [ "$which" = project ]; then
    clip=/tmp/bench-1080p.h264
    [ -s $clip ] || step "project clip" 180 "$JAVA" -cp "$CP" dev.vahost.gst.synth.SyntheticClip --out $clip --width 1920 --height 1080 \
        --fps 30 --bitrate-kbps 8000 --frames 600 --source scene --seed 42
  fi
  [ -s /tmp/m/bench640.onnx ] || step "bench640.onnx (YOLOv8n-class, random weights)" 180 python3 tools/detector/bench_model.py --out /tmp/m --export
  step "LiveBench" 560 "$JAVA" -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.LiveBench --clip $clip --streams "$streams" \
      --seconds "$seconds" --warmup 8 --batch 32 --queue "${QUEUE:-4}" ${LAUNCH:+--launch "$LAUNCH"} --model /tmp/m/bench640.onnx --input-size 640x640 --score-threshold 0.9
  echo "=== overall status $status"
} 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
