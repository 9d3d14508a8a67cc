#!/usr/bin/env bash
# Builds the CPU emulation of the postprocess kernels (libpostprocess_emu.so) from the real .cu
# sources, for EmulatedKernelsTest. Needs only a C++ compiler ($CXX, default g++). Usage:
# build-emu.sh [OUTDIR] (default postprocess/target/emu). The test looks for the library there or in
# $VAHOST_POSTPROCESS_EMU. Exits non-zero when the sources do not compile (the test then fails);
# a failed build leaves no library behind that could pass for a good one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mod=$(cd "$here/../../.." && pwd)
out=${1:-$mod/target/emu}
mkdir -p "$out"
rm -f "$out/libpostprocess_emu.so"
${CXX:-g++} -std=c++17 -O2 -g -fPIC -shared -ffp-contract=off -DPOSTPROCESS_EMU ${EMU_CXXFLAGS:-} \
  -I "$here" -I "$mod/src/main/cuda" -x c++ "$here/emu_kernels.cpp" -x c++ "$here/emu_runtime.cpp" \
  -o "$out/libpostprocess_emu.so.tmp"
mv "$out/libpostprocess_emu.so.tmp" "$out/libpostprocess_emu.so"
echo "$out/libpostprocess_emu.so"
