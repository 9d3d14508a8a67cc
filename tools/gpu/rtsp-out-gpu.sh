#!/usr/bin/env bash
# RTSP out played for 30 s on the GPU machine, from the project root:
#   bash .device/run.sh bash tools/gpu/rtsp-out-gpu.sh [SECONDS] [-- SERVICE OPTIONS...]
# RtspOutPlayback: the service (GPU path: NVDEC, the built-in detector on the GPU, each frame of the
# served stream copied device to host, drawn and encoded on the CPU) with two synthetic 1280x720@30
# cameras, and a GStreamer client in the same process playing rtsp://127.0.0.1:PORT/a for SECONDS
# (default 30) from its first frame: frames received beside the camera's, the detector's and the
# stage's, errors, and the encoder chosen (x264enc: the H200 has no NVENC, so nvh264enc is not
# registered there). Then the same on the CPU path (--gpu off), as the same-run baseline.
# libgstrtspserver-1.0 is not in the bundle's runtime and travels as an extra:
#   bash ../shared/device/bundle.sh /usr/lib/x86_64-linux-gnu/libgstrtspserver-1.0.so.0
# Pictures the client decoded (every 30th, at most 10 per run) land in $OUT/pictures-{gpu,cpu}.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/rtsp-out-gpu-out}
mkdir -p "$OUT"
seconds=${1:-30}; [ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
svc=("$@")
[ ${#svc[@]} -gt 0 ] || svc=(--source a=synthetic:1280x720@30 --source b=synthetic:1280x720@30)
status=0
source "$(dirname "$0")/steps.sh"
{
  echo "=== environment ($(date -u +%FT%TZ)): ${seconds} s, service options: ${svc[*]}"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1
  lib=$(ls "${DEVICE_EXTRA:-.device/extra}"/libgstrtspserver-1.0.so* 2>/dev/null | head -1)
  [ -n "$lib" ] || { echo "no libgstrtspserver-1.0 among the bundle's extras: see the header"; exit 2; }
  cp "$lib" /tmp/rt/gst/lib/libgstrtspserver-1.0.so.0 && ln -sf libgstrtspserver-1.0.so.0 /tmp/rt/gst/lib/libgstrtspserver-1.0.so
  step "RtspOutPlayback, GPU path" 240 "$JAVA" -Xmx8g -cp "$CP" dev.vahost.pipelines.bench.RtspOutPlayback --seconds "$seconds" \
      --pictures "$OUT/pictures-gpu" -- --gpu on "${svc[@]}"
  step "RtspOutPlayback, CPU path" 240 "$JAVA" -Xmx8g -cp "$CP" dev.vahost.pipelines.bench.RtspOutPlayback --seconds "$seconds" \
      --pictures "$OUT/pictures-cpu" -- --gpu off "${svc[@]}"
  echo "=== overall status $status"
} 2>&1 | tee "$OUT/rtsp-out-gpu.txt"
exit "${PIPESTATUS[0]}"
