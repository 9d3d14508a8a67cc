#!/usr/bin/env bash
# Trims .device/ (made by ../shared/device/bundle.sh) to fit the GPU machine's 64 MiB carry next to
# the working tree: onnxruntime's jar keeps only its linux-x64 natives, JCuda's natives jar loses
# the NVRTC PTX compiler (only the driver API is used), and the inference module's test resources
# (goldens, the tiny zoo) are dropped from the copied test classes because the working tree carries
# them anyway: run with CP="$PWD/inference/src/test/resources:$CP" on the GPU machine.
# Usage: bash tools/gpu/slim-bundle.sh [--no-gst]   (--no-gst: a stub GStreamer runtime, for runs
# without pipeline tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
d=.device
[ -d $d/app/lib ] || { echo "no $d/app/lib: run ../shared/device/bundle.sh first" >&2; exit 1; }
for j in $d/app/lib/onnxruntime-*.jar; do
  [ -f "$j" ] && zip -q -d "$j" 'ai/onnxruntime/native/osx-*' 'ai/onnxruntime/native/win-*' 'ai/onnxruntime/native/linux-aarch64/*' >/dev/null 2>&1 || true
done
for j in $d/app/lib/jcuda-natives-*.jar; do
  [ -f "$j" ] && zip -q -d "$j" 'lib/libJNvPTXCompiler*' 'lib/libJNvrtc*' 'lib/libJCudaRuntime*' >/dev/null 2>&1 || true
done
rm -rf $d/app/test-classes/inference/goldens $d/app/test-classes/inference/zoo
if [ "${1:-}" = --no-gst ]; then
  [ -f $d/gst.tar.xz ] && mv $d/gst.tar.xz /tmp/vahost-gst.tar.xz.keep
  t=$(mktemp -d); mkdir -p $t/gst/lib; echo "# stub: no GStreamer in this bundle" > $t/gst/env.sh
  tar -C $t -cJf $d/gst.tar.xz gst; rm -rf $t
fi
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
dev=$(du -sb $d | cut -f1)
echo "carry: tree $((tree >> 20)) MiB + untracked $((${untracked:-0} >> 20)) MiB + $d $((dev >> 20)) MiB = $(((tree + ${untracked:-0} + dev) >> 20)) MiB (limit 64)"
