// The CUDA pieces the ops kernels name, for a plain C++ compiler (g++), so kernel_host_check.cu
// compiles the real .cu sources without nvcc (KernelHostEmulationTest; CI has g++ but no CUDA).
// pixel.cuh includes this instead of <cuda_fp16.h> when VAHOST_OPS_HOST_EMU is defined.
// The kernels themselves (__global__ functions) only have to compile here: the host check calls
// the per-pixel functions, one output pixel at a time, never a kernel. So the thread indices are
// zero and __syncthreads does nothing.
#pragma once

#include "vahost_host_emu.h"  // nvmm/src/test/cuda: the macros, uint4, the one-thread grid, __half, __float2half_rn
