// Shared device helpers of the inference module's kernels (glue.cu and every operator family's
// .cu file): storage types (float32 / float16 through ld/st, arithmetic always float32), 32-bit
// index dispatch, grid-stride loops and the activation functions (codes: internal.Act).
#pragma once
#ifdef VAHOST_INFERENCE_HOST_EMU
#include "inference_host_emu.h"  // src/test/cuda: the host build of the kernels (GlueKernelHostTest)
#else
#include <cuda_fp16.h>
#endif
#include <stdint.h>
#include <limits.h>

typedef long long i64;

// Runs body with I = int when n fits in 31 bits, else I = long long. A uniform branch.
#define INDEXED(n, ...) do { if ((n) <= (i64)INT_MAX) { typedef int I; __VA_ARGS__; } else { typedef i64 I; __VA_ARGS__; } } while (0)

__device__ __forceinline__ float ld(const float* p, i64 i) { return p[i]; }
__device__ __forceinline__ float ld(const __half* p, i64 i) { return __half2float(p[i]); }
__device__ __forceinline__ void st(float* p, i64 i, float v) { p[i] = v; }
__device__ __forceinline__ void st(__half* p, i64 i, float v) { p[i] = __float2half_rn(v); }

// Activation codes: dev.vahost.inference.internal.Act (alpha/beta: the operator's attributes).
__device__ __forceinline__ float act(float x, int a, float alpha, float beta) {
    switch (a) {
        case 0: return x;
        case 1: return x > 0.f ? x : 0.f;                                   // Relu
        case 2: return x >= 0.f ? x : alpha * x;                             // LeakyRelu
        case 3: return 1.f / (1.f + __expf(-x));                             // Sigmoid
        case 4: return x / (1.f + __expf(-x));                               // SiLU
        case 5: return x * fminf(fmaxf(x * (1.f / 6.f) + 0.5f, 0.f), 1.f);   // HardSwish
        case 6: return x != x ? x : fminf(fmaxf(x, alpha), beta);            // Clip (NaN stays NaN)
        case 7: return fminf(fmaxf(alpha * x + beta, 0.f), 1.f);             // HardSigmoid
        case 8: return tanhf(x);
        case 9: return expf(x);
        case 10: return logf(x);
        case 11: return sqrtf(x);
        case 12: return -x;
        case 13: return 1.f / x;
        case 14: return fabsf(x);
        case 15: return erff(x);
        case 16: return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));   // Gelu
        case 17: return 0.5f * x * (1.f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x))); // Gelu tanh
        case 18: return floorf(x);
        case 19: return ceilf(x);
        case 20: return rintf(x);                                            // Round: half to even
        case 21: return sinf(x);
        case 22: return cosf(x);
        case 23: return log1pf(expf(x));                                     // Softplus
        case 24: return x >= 0.f ? x : alpha * expm1f(x);                    // Elu
        case 25: return alpha == 2.f ? x * x : (alpha == 0.5f ? sqrtf(x) : powf(x, alpha)); // Pow by a constant
        case 26: return (float)((x > 0.f) - (x < 0.f));                      // Sign
        case 27: return x * tanhf(log1pf(expf(x)));                          // Mish
        default: return x;
    }
}

#define GRID_STRIDE(i, n) for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < (I)(n); i += (I)gridDim.x * blockDim.x)

