#!/usr/bin/env bash
# Compiles every src/main/cuda/*.cu of a module into OUTDIR/<name>.fatbin:
# SASS for sm_75, sm_80, sm_86, sm_89, sm_90 plus compute_90 PTX, so the driver can JIT newer GPUs.
# Without nvcc (or with VAHOST_SKIP_NVCC=1) it writes a marker and exits 0: the CPU path must
# keep building, and KernelModule then says plainly that the kernels were not built.
# Usage: nvcc-fatbin.sh SRCDIR OUTDIR
set -euo pipefail
src=${1:?srcdir}; out=${2:?outdir}
mkdir -p "$out"
nvcc=${NVCC:-$(command -v nvcc || true)}
[ -n "$nvcc" ] || { [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc; } || true
if [ "${VAHOST_SKIP_NVCC:-0}" = 1 ] || [ -z "$nvcc" ]; then
  echo "[nvcc-fatbin] WARNING: nvcc not found; CUDA kernels in $src are NOT built (GPU path unavailable)" >&2
  echo "nvcc was not found at build time" > "$out/NOT_BUILT"
  exit 0
fi
rm -f "$out/NOT_BUILT"
archs="-gencode arch=compute_75,code=sm_75 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86
 -gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90"
shopt -s nullglob
for cu in "$src"/*.cu; do
  name=$(basename "$cu" .cu); fb="$out/$name.fatbin"
  # Rebuild when the source or any header beside it is newer than the fatbin.
  if [ -f "$fb" ] && [ -z "$(find "$src" -newer "$fb" \( -name '*.cu' -o -name '*.cuh' \) -print -quit)" ]; then continue; fi
  echo "[nvcc-fatbin] $name.cu -> $fb"
  # shellcheck disable=SC2086
  "$nvcc" -std=c++17 -O3 -lineinfo -fatbin $archs -I "$src" -o "$fb.tmp" "$cu"
  mv "$fb.tmp" "$fb"
done
