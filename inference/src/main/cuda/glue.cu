// Glue kernels of the inference engine: everything between cuDNN convolutions and cuBLAS GEMMs.
// Storage is float32 or float16 (suffix _f32 / _f16); arithmetic is float32 throughout, so f16
// models lose precision only at stores. Index tables (strides of copies and broadcasts) live in
// device memory, uploaded once per plan by GpuEngine; launches only pass pointers and counts.
// Grid geometry: 1-D grid-stride loops, 256 threads per block (full occupancy on sm_75..sm_90 for
// these register-light kernels); GpuEngine caps the grid at 65535*4 blocks and lets threads loop.
#include <cuda_fp16.h>
#include <stdint.h>

typedef long long i64;

__device__ __forceinline__ float ld(const float* p, i64 i) { return p[i]; }
__device__ __forceinline__ float ld(const __half* p, i64 i) { return __half2float(p[i]); }
__device__ __forceinline__ void st(float* p, i64 i, float v) { p[i] = v; }
__device__ __forceinline__ void st(__half* p, i64 i, float v) { p[i] = __float2half_rn(v); }

// Activation codes: dev.vahost.inference.internal.Act.
__device__ __forceinline__ float act(float x, int a, float alpha) {
    switch (a) {
        case 1: return x > 0.f ? x : 0.f;                                   // Relu
        case 2: return x >= 0.f ? x : alpha * x;                             // LeakyRelu
        case 3: return 1.f / (1.f + __expf(-x));                             // Sigmoid
        case 4: return x / (1.f + __expf(-x));                               // SiLU
        case 5: return x * fminf(fmaxf(x * (1.f / 6.f) + 0.5f, 0.f), 1.f);   // HardSwish
        default: return x;
    }
}

#define GRID_STRIDE(i, n) for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)gridDim.x * blockDim.x)

// y[i] = act(y[i] + bias[c]) in place after a convolution; c = (i / plane) % channels (NCHW).
template <typename T>
__device__ void bias_act(T* y, const float* bias, i64 plane, int channels, i64 n, int a, float alpha) {
    GRID_STRIDE(i, n) {
        float v = ld(y, i);
        if (bias) v += bias[(i / plane) % channels];
        st(y, i, act(v, a, alpha));
    }
}
extern "C" __global__ void bias_act_f32(float* y, const float* bias, i64 plane, int channels, i64 n, int a, float alpha) { bias_act(y, bias, plane, channels, n, a, alpha); }
extern "C" __global__ void bias_act_f16(__half* y, const float* bias, i64 plane, int channels, i64 n, int a, float alpha) { bias_act(y, bias, plane, channels, n, a, alpha); }

// y[i] = act(x[i] * scale[c] + shift[c]), c = (i / inner) % channels: standalone BatchNormalization.
template <typename T>
__device__ void affine_act(const T* x, T* y, const float* scale, const float* shift, i64 inner, int channels, i64 n, int a, float alpha) {
    GRID_STRIDE(i, n) {
        int c = (int)((i / inner) % channels);
        st(y, i, act(ld(x, i) * scale[c] + shift[c], a, alpha));
    }
}
extern "C" __global__ void affine_act_f32(const float* x, float* y, const float* scale, const float* shift, i64 inner, int channels, i64 n, int a, float alpha) { affine_act(x, y, scale, shift, inner, channels, n, a, alpha); }
extern "C" __global__ void affine_act_f16(const __half* x, __half* y, const float* scale, const float* shift, i64 inner, int channels, i64 n, int a, float alpha) { affine_act(x, y, scale, shift, inner, channels, n, a, alpha); }

__device__ __forceinline__ float binop(int op, float a, float b) {
    switch (op) {
        case 0: return a + b;
        case 1: return a - b;
        case 2: return a * b;
        default: return a / b;
    }
}

// Same-shape operands, contiguous: y = a op b, then act.
template <typename T>
__device__ void binary_flat(const T* a, const T* b, T* y, int op, i64 n, int ac, float alpha) {
    GRID_STRIDE(i, n) st(y, i, act(binop(op, ld(a, i), ld(b, i)), ac, alpha));
}
extern "C" __global__ void binary_flat_f32(const float* a, const float* b, float* y, int op, i64 n, int ac, float alpha) { binary_flat(a, b, y, op, n, ac, alpha); }
extern "C" __global__ void binary_flat_f16(const __half* a, const __half* b, __half* y, int op, i64 n, int ac, float alpha) { binary_flat(a, b, y, op, n, ac, alpha); }

// Broadcasting: meta = shape[rank], aStrides[rank], bStrides[rank]; y is contiguous in shape.
template <typename T>
__device__ void binary_bcast(const T* a, const T* b, T* y, int op, int rank, i64 n, const i64* meta) {
    GRID_STRIDE(i, n) {
        i64 rem = i, ao = 0, bo = 0;
        for (int d = rank - 1; d >= 0; --d) {
            i64 s = meta[d];
            i64 q = rem / s, r = rem - q * s;
            ao += r * meta[rank + d];
            bo += r * meta[2 * rank + d];
            rem = q;
        }
        st(y, i, binop(op, ld(a, ao), ld(b, bo)));
    }
}
extern "C" __global__ void binary_bcast_f32(const float* a, const float* b, float* y, int op, int rank, i64 n, const i64* meta) { binary_bcast(a, b, y, op, rank, n, meta); }
extern "C" __global__ void binary_bcast_f16(const __half* a, const __half* b, __half* y, int op, int rank, i64 n, const i64* meta) { binary_bcast(a, b, y, op, rank, n, meta); }

// Strided copy with type conversion: for every index of shape, y[yo + idx.yStrides] = x[xo + idx.xStrides].
// meta = shape[rank], xStrides[rank], yStrides[rank], xOffset, yOffset (elements). Transpose, Slice,
// Split, Concat, layout and dtype conversion of the engine's input and outputs.
template <typename A, typename B>
__device__ void copy_strided(const A* x, B* y, int rank, i64 n, const i64* meta) {
    const i64 xo0 = meta[3 * rank], yo0 = meta[3 * rank + 1];
    GRID_STRIDE(i, n) {
        i64 rem = i, xo = xo0, yo = yo0;
        for (int d = rank - 1; d >= 0; --d) {
            i64 s = meta[d];
            i64 q = rem / s, r = rem - q * s;
            xo += r * meta[rank + d];
            yo += r * meta[2 * rank + d];
            rem = q;
        }
        st(y, yo, ld(x, xo));
    }
}
extern "C" __global__ void copy_f32_f32(const float* x, float* y, int rank, i64 n, const i64* meta) { copy_strided(x, y, rank, n, meta); }
extern "C" __global__ void copy_f16_f16(const __half* x, __half* y, int rank, i64 n, const i64* meta) { copy_strided(x, y, rank, n, meta); }
extern "C" __global__ void copy_f32_f16(const float* x, __half* y, int rank, i64 n, const i64* meta) { copy_strided(x, y, rank, n, meta); }
extern "C" __global__ void copy_f16_f32(const __half* x, float* y, int rank, i64 n, const i64* meta) { copy_strided(x, y, rank, n, meta); }

// Contiguous copy with conversion (engine input and outputs, Identity).
extern "C" __global__ void convert_f32_f16(const float* x, __half* y, i64 n) { GRID_STRIDE(i, n) y[i] = __float2half_rn(x[i]); }
extern "C" __global__ void convert_f16_f32(const __half* x, float* y, i64 n) { GRID_STRIDE(i, n) y[i] = __half2float(x[i]); }
extern "C" __global__ void convert_f32_f32(const float* x, float* y, i64 n) { GRID_STRIDE(i, n) y[i] = x[i]; }
extern "C" __global__ void convert_f16_f16(const __half* x, __half* y, i64 n) { GRID_STRIDE(i, n) y[i] = x[i]; }

// Max pooling, NCHW, one thread per output element; padded positions never win.
template <typename T>
__device__ void maxpool(const T* x, T* y, i64 planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                        int pt, int pl, int dh, int dw) {
    i64 n = planes * oh * ow;
    GRID_STRIDE(i, n) {
        int ox = (int)(i % ow);
        i64 t = i / ow;
        int oy = (int)(t % oh);
        i64 p = t / oh;
        const T* xp = x + p * h * w;
        float best = -INFINITY;
        for (int a = 0; a < kh; ++a) {
            int iy = oy * sh - pt + a * dh;
            if (iy < 0 || iy >= h) continue;
            for (int b = 0; b < kw; ++b) {
                int ix = ox * sw - pl + b * dw;
                if (ix < 0 || ix >= w) continue;
                float v = ld(xp, (i64)iy * w + ix);
                best = (v > best || v != v) ? v : best;
            }
        }
        st(y, i, best);
    }
}
extern "C" __global__ void maxpool_f32(const float* x, float* y, i64 planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl, int dh, int dw) { maxpool(x, y, planes, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw); }
extern "C" __global__ void maxpool_f16(const __half* x, __half* y, i64 planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl, int dh, int dw) { maxpool(x, y, planes, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw); }

// Nearest resize of the last two axes by index tables (source row per output row, column per column).
template <typename T>
__device__ void resize_nearest(const T* x, T* y, i64 planes, int h, int w, int oh, int ow, const int* rows, const int* cols) {
    i64 n = planes * oh * ow;
    GRID_STRIDE(i, n) {
        int ox = (int)(i % ow);
        i64 t = i / ow;
        int oy = (int)(t % oh);
        i64 p = t / oh;
        y[i] = x[(p * h + rows[oy]) * w + cols[ox]];
    }
}
extern "C" __global__ void resize_nearest_f32(const float* x, float* y, i64 planes, int h, int w, int oh, int ow, const int* rows, const int* cols) { resize_nearest(x, y, planes, h, w, oh, ow, rows, cols); }
extern "C" __global__ void resize_nearest_f16(const __half* x, __half* y, i64 planes, int h, int w, int oh, int ow, const int* rows, const int* cols) { resize_nearest(x, y, planes, h, w, oh, ow, rows, cols); }

// Softmax over the middle axis of [outer, len, inner]: one thread per (outer, inner) column; the
// columns of consecutive threads are adjacent in memory (coalesced). Max-subtracted, float sums.
template <typename T>
__device__ void softmax_mid(const T* x, T* y, i64 outer, int len, i64 inner) {
    i64 n = outer * inner;
    GRID_STRIDE(i, n) {
        i64 o = i / inner, in = i - o * inner;
        i64 base = o * len * inner + in;
        float m = -INFINITY;
        for (int a = 0; a < len; ++a) m = fmaxf(m, ld(x, base + a * inner));
        float s = 0.f;
        for (int a = 0; a < len; ++a) s += __expf(ld(x, base + a * inner) - m);
        float inv = 1.f / s;
        for (int a = 0; a < len; ++a) st(y, base + a * inner, __expf(ld(x, base + a * inner) - m) * inv);
    }
}
extern "C" __global__ void softmax_f32(const float* x, float* y, i64 outer, int len, i64 inner) { softmax_mid(x, y, outer, len, inner); }
extern "C" __global__ void softmax_f16(const __half* x, __half* y, i64 outer, int len, i64 inner) { softmax_mid(x, y, outer, len, inner); }
