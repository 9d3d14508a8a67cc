// The CUDA pieces the inference kernels name (common.cuh, glue.cu, convlike.cu), for a plain C++
// compiler (g++), so glue_host_check.cu can run the real .cu sources without a GPU
// (GlueKernelHostTest; CI has g++ but no CUDA). common.cuh includes this instead of <cuda_fp16.h>
// when VAHOST_INFERENCE_HOST_EMU is defined. The grid is one thread (indices 0, dimensions 1), so a
// kernel called as a function runs its whole grid-stride loop: every element, in order. Warp
// shuffles return the caller's own value (one-lane warps). The float16 conversions round as
// cuda_fp16.h's do (to nearest, ties to even).
#pragma once
#include <algorithm>
#include <cmath>

#include "vahost_host_emu.h"  // nvmm/src/test/cuda: the macros, uint4, the one-thread grid, __half, __float2half_rn

using std::max;
using std::min;

struct uint2 { unsigned int x, y; };
struct float2 { float x, y; };
struct float4 { float x, y, z, w; };
inline constexpr vahost_emu_dim3 gridDim{1, 1, 1};
template <typename T> inline T __shfl_xor_sync(unsigned, T v, int, int = 32) { return v; }

struct __half2 { __half x, y; };

inline __half __float2half(float f) { return __float2half_rn(f); }

inline float __half2float(__half h) {
    const uint32_t sign = (uint32_t)(h.x & 0x8000u) << 16, e = (h.x >> 10) & 0x1fu, m = h.x & 0x3ffu;
    uint32_t u;
    if (e == 0) {
        if (m == 0) {
            u = sign;
        } else {  // subnormal: m * 2^-24
            float f = std::ldexp((float)m, -24);
            return sign ? -f : f;
        }
    } else if (e == 31) {
        u = sign | 0x7f800000u | (m << 13);
    } else {
        u = sign | ((e + 112u) << 23) | (m << 13);
    }
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

inline float2 __half22float2(__half2 h) { return float2{__half2float(h.x), __half2float(h.y)}; }
inline __half2 __floats2half2_rn(float a, float b) { return __half2{__float2half_rn(a), __float2half_rn(b)}; }
inline unsigned short __half_as_ushort(__half h) { return h.x; }
inline __half __ushort_as_half(unsigned short u) { return __half{u}; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, sizeof f); return f; }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
