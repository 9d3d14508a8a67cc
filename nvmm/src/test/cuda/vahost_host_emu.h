// The CUDA pieces every module's kernels name, for a plain C++ compiler (g++), shared by the host
// emulation headers of ops (ops_host_emu.h) and inference (inference_host_emu.h), which add what their
// kernels need beyond it. Those tests compile with -I ../nvmm/src/test/cuda. The grid is one thread
// (indices 0, dimensions 1); __syncthreads does nothing.
#pragma once
#include <cstdint>
#include <cstring>

#define __host__
#define __device__
#define __global__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

struct uint4 { unsigned int x, y, z, w; };
struct vahost_emu_dim3 { unsigned int x, y, z; };
inline constexpr vahost_emu_dim3 threadIdx{0, 0, 0}, blockIdx{0, 0, 0}, blockDim{1, 1, 1};
inline void __syncthreads() {}

// binary16 as the kernels store it: 2 bytes, written as cuda_fp16.h's __half is.
struct __half { unsigned short x; };

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

