#!/usr/bin/env bash
# Trims .device/ (made by ../shared/device/bundle.sh) to fit the GPU machine's 64 MiB carry next to
# the working tree: onnxruntime's jar keeps only its linux-x64 natives, JCuda's natives jar loses
# the NVRTC PTX compiler (only the driver API is used), and the inference module's test resources
# (goldens, the tiny zoo) are dropped from the copied test classes because the working tree carries
# them anyway: run with CP="$PWD/inference/src/test/resources:$CP" on the GPU machine. The kernels in
# the module jars are rebuilt for sm_90 only (the H100/H200 the GPU machine has).
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
# The module jars' kernels rebuilt for the GPU machine's Hopper only (sm_90 SASS): the default
# fatbins carry five architectures and PTX (CI and users need those; this carry does not).
if command -v nvcc >/dev/null; then
  tmp=$(mktemp -d)
  for m in nvmm ops postprocess inference; do
    j=$(ls $d/app/lib/$m-*.jar 2>/dev/null | grep -v tests | head -1); [ -n "$j" ] || continue
    mkdir -p $tmp/$m/dev/vahost/kernels/$m
    for cu in $m/src/main/cuda/*.cu; do
      n=$(basename $cu .cu)
      nvcc -std=c++17 -O3 -lineinfo -fatbin -gencode arch=compute_90,code=sm_90 -I $m/src/main/cuda \
          -o $tmp/$m/dev/vahost/kernels/$m/$n.fatbin $cu &
    done
    wait
    (cd $tmp/$m && zip -q -u "$OLDPWD/$j" dev/vahost/kernels/$m/*.fatbin) || { echo "re-packing $j failed" >&2; exit 1; }
  done
  rm -rf $tmp
fi
if [ "${1:-}" = --no-gst ]; then
  [ -f $d/gst.tar.xz ] && mv $d/gst.tar.xz /tmp/vahost-gst.tar.xz.keep
  t=$(mktemp -d); mkdir -p $t/gst/lib; echo "# stub: no GStreamer in this bundle" > $t/gst/env.sh
  tar -C $t -cJf $d/gst.tar.xz gst; rm -rf $t
fi
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
dev=$(du -sb $d | cut -f1)
echo "carry: tree $((tree >> 20)) MiB + untracked $((${untracked:-0} >> 20)) MiB + $d $((dev >> 20)) MiB = $(((tree + ${untracked:-0} + dev) >> 20)) MiB (limit 64)"
