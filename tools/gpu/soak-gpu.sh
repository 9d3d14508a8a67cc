#!/usr/bin/env bash
# The soak of issue 13 on the GPU machine, from the project root:
#   bash .device/run.sh bash tools/gpu/soak-gpu.sh [MINUTES] [STREAMS]
# SoakBench: STREAMS paced 1080p30 streams (13 RTSP cameras killed/restarted at random, 6 looped
# corrupt copies of the camera-like B-frame clip, the rest the clean clip) through the 640 model for
# MINUTES (8: what one 10-minute command allows). The RTSP cameras are GStreamer RTSP server
# processes: libgstrtspserver-1.0 is not in the bundle's runtime and travels as an extra
# (bash ../shared/device/bundle.sh /usr/lib/x86_64-linux-gnu/libgstrtspserver-1.0.so.0).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/soak-gpu-out}
mkdir -p "$OUT"
minutes=${1:-8}; streams=${2:-128}
status=0
source "$(dirname "$0")/steps.sh"
source "$(dirname "$0")/media.sh"
{
  echo "=== environment ($(date -u +%FT%TZ)): $streams streams, $minutes min"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  lib=$(ls "${DEVICE_EXTRA:-.device/extra}"/libgstrtspserver-1.0.so* 2>/dev/null | head -1)
  [ -n "$lib" ] || { echo "no libgstrtspserver-1.0 among the bundle's extras: see the header"; exit 2; }
  cp "$lib" /tmp/rt/gst/lib/libgstrtspserver-1.0.so.0 && ln -sf libgstrtspserver-1.0.so.0 /tmp/rt/gst/lib/libgstrtspserver-1.0.so
  media_bframe; media_model
  # The RTSP server processes inherit the environment: JAVA_TOOL_OPTIONS would make their first line the JVM's
  # "Picked up ..." notice; the same option is given on the command line instead, and JNA finds the
  # libraries of the child processes through LD_LIBRARY_PATH.
  jto=${JAVA_TOOL_OPTIONS:-}; unset JAVA_TOOL_OPTIONS
  step "SoakBench" 590 "$JAVA" $jto -Xmx24g -cp "$CP" dev.vahost.pipelines.bench.SoakBench --clip /tmp/bframe-1080p.h264 --streams "$streams" \
      --rtsp 13 --corrupt 6 --minutes "$minutes" --fault-streams 0 --batch 32 --queue 8 \
      --model /tmp/m/bench640.onnx --input-size 640x640 --score-threshold 0.9
  echo "=== overall status $status"
} 2>&1 | tee "$OUT/soak-gpu.txt"
exit "${PIPESTATUS[0]}"
