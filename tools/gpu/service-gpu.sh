#!/usr/bin/env bash
# The service on the GPU machine, from the project root:
#   bash .device/run.sh sh -c 'bash tools/gpu/service-gpu.sh [--streams 16,128] [--seconds 10]'
# Needs the bundle's $JAVA and $CP (run.sh sets them). Steps (each one's failure is reported, the
# next still runs): the @Tag("gpu") tests of postprocess and pipelines (ServiceGpuTest: 4 cameras
# through the whole GPU path against ground truth, zero frame bytes to the host), then ServiceBench
# (full path vs decode-only, same process) at the given stream counts. Everything goes to
# $OUT/service-gpu.txt.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/target/service-gpu-out}
mkdir -p "$OUT"
streams=16,128 seconds=10
while [ $# -gt 0 ]; do
  case $1 in
    --streams) streams=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
console=$(ls .device/app/junit-platform-console-standalone-*.jar | head -1)
log="$OUT/service-gpu.txt"
status=0
source "$(dirname "$0")/steps.sh"
{
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1
  step "GPU tests (postprocess, pipelines)" 240 "$JAVA" -Xmx8g -jar "$console" execute --class-path "$CP" --include-tag gpu --fail-if-no-tests \
      --select-package dev.vahost.postprocess --select-class dev.vahost.pipelines.ServiceGpuTest --details=tree --disable-banner
  step "ServiceBench $streams" 400 "$JAVA" -Xmx16g -cp "$CP" dev.vahost.pipelines.bench.ServiceBench --streams "$streams" \
      --seconds "$seconds" --warmup 5
  echo "=== overall status $status"
} 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
