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
#include <cstdint>
#include <cstring>

#define __host__
#define __device__
#define __global__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

using std::max;
using std::min;

struct uint2 { unsigned int x, y; };
struct uint4 { unsigned int x, y, z, w; };
struct float2 { float x, y; };
struct vahost_emu_dim3 { unsigned int x, y, z; };
inline constexpr vahost_emu_dim3 threadIdx{0, 0, 0}, blockIdx{0, 0, 0}, blockDim{1, 1, 1}, gridDim{1, 1, 1};
inline void __syncthreads() {}
template <typename T> inline T __shfl_xor_sync(unsigned, T v, int, int = 32) { return v; }

// binary16 as the kernels store it: 2 bytes.
struct __half { unsigned short x; };
struct __half2 { __half x, y; };

// float -> binary16, round to nearest, ties to even; what cuda_fp16.h's host __float2half_rn does
// (overflow to infinity, gradual underflow, NaN -> 0x7fff).
inline __half __float2half_rn(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    const unsigned short sign = (unsigned short)((u >> 16) & 0x8000u);
    const uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return __half{0x7fff};                        // NaN
    if (a >= 0x477ff000u) return __half{(unsigned short)(sign | 0x7c00u)};  // >= 65520: infinity
    if (a >= 0x38800000u) {                                              // normal binary16 (>= 2^-14)
        const uint32_t v = a - 0x38000000u;                              // exponent rebiased 127 -> 15
        return __half{(unsigned short)(sign | ((v + 0x0fffu + ((v >> 13) & 1u)) >> 13))};
    }
    if (a < 0x33000000u) return __half{sign};                            // < 2^-25: rounds to zero
    // Subnormal binary16: m * 2^-24 with m = M * 2^(e - 126), M the 24-bit significand.
    const int shift = 126 - (int)(a >> 23);                              // 14 .. 24
    const uint32_t m = (a & 0x7fffffu) | 0x800000u;
    uint32_t q = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1u), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (q & 1u))) q++;              // may carry into the smallest normal
    return __half{(unsigned short)(sign | q)};
}

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
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, sizeof f); return f; }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
