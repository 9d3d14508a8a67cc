// GridSample (ONNX opset 16/20, 4-D): y[n, c, oy, ox] samples x[n, c] at the grid point
// grid[n, oy, ox] = (gx, gy) in [-1, 1] (further out: padding). The same arithmetic, step by step
// and in float32, as the CPU reference (dev.vahost.inference.internal.ops.IndexOps.GridSample) and
// onnxruntime's CPU kernel: denormalise (align_corners: -1..1 -> 0..size-1, else -0.5..size-0.5),
// then nearest (round half to even) or bilinear over the four neighbours, each neighbour read
// through the padding mode (zeros: 0 outside; border: clamped index; reflection: the index
// reflected at the borders, repeatedly). The denormalisation and the reflection use _rn
// intrinsics so that no multiply-add is contracted: a nearest sample then picks the same pixel as
// the reference also at exact half-pixel positions.
//
// Launch geometry: one thread per output element, grid-stride, i = ((n*C + c)*Ho + oy)*Wo + ox
// (consecutive threads read consecutive grid points; the C channels of a point re-read them from
// cache). Storage float32 or float16 for x, grid and y; arithmetic float32.
#include "common.cuh"

__device__ __forceinline__ float gs_denormalize(float v, int len, int align) {
    if (align) return __fmul_rn(__fadd_rn(v, 1.f) / 2.f, (float)(len - 1));
    return __fsub_rn(__fmul_rn(__fadd_rn(v, 1.f), (float)len), 1.f) / 2.f;
}

// Reflects x at lo and hi until it lies within [lo, hi].
__device__ __forceinline__ float gs_reflect(float x, float lo, float hi) {
    float range = __fsub_rn(hi, lo);
    if (x < lo) {
        float dx = __fsub_rn(lo, x);
        int n = (int)(dx / range);
        float r = __fsub_rn(dx, __fmul_rn((float)n, range));
        return (n % 2 == 0) ? __fadd_rn(lo, r) : __fsub_rn(hi, r);
    }
    if (x > hi) {
        float dx = __fsub_rn(x, hi);
        int n = (int)(dx / range);
        float r = __fsub_rn(dx, __fmul_rn((float)n, range));
        return (n % 2 == 0) ? __fsub_rn(hi, r) : __fadd_rn(lo, r);
    }
    return x;
}

// Pixel (r, c) of one plane through the padding mode: 0 zeros, 1 border, 2 reflection.
template <typename T>
__device__ __forceinline__ float gs_pixel(const T* plane, i64 r, i64 c, int h, int w, int pad, float x0, float y0, float x1, float y1) {
    if (pad == 0) {
        return (c >= 0 && c < w && r >= 0 && r < h) ? ld(plane, r * w + c) : 0.f;
    }
    if (pad == 1) {
        c = c < 0 ? 0 : (c >= w ? w - 1 : c);
        r = r < 0 ? 0 : (r >= h ? h - 1 : r);
    } else {
        c = (i64)gs_reflect((float)c, x0, x1);
        r = (i64)gs_reflect((float)r, y0, y1);
        // Guards against rounding at huge coordinates only (the reflected value lies in [-0.5, size - 0.5]).
        c = c < 0 ? 0 : (c >= w ? w - 1 : c);
        r = r < 0 ? 0 : (r >= h ? h - 1 : r);
    }
    return ld(plane, r * w + c);
}

// Coordinates beyond +-1e9 pixels are treated as +-1e9 (NaN stays NaN), so that the integer
// conversions below never overflow.
__device__ __forceinline__ float gs_limit(float v) { return v < -1e9f ? -1e9f : (v > 1e9f ? 1e9f : v); }

template <typename I, typename T>
__device__ void grid_sample(const T* x, const T* grid, T* y, I batch, int c, int h, int w, int ho, int wo, int mode, int pad, int align) {
    const I n = batch * c * ho * wo;
    float x0 = -0.5f, y0 = -0.5f, x1 = w - 0.5f, y1 = h - 0.5f;
    if (align) { x0 = 0.f; y0 = 0.f; x1 = w - 1.f; y1 = h - 1.f; }
    GRID_STRIDE(i, n) {
        I t = i / wo;
        const int ox = (int)(i - t * wo);
        I t2 = t / ho;
        const int oy = (int)(t - t2 * ho);
        const I b = t2 / c;                  // batch index; t2 = b * c + channel = the plane
        const T* plane = x + t2 * h * w;
        const I g = ((b * ho + oy) * wo + ox) * 2;
        float px = gs_limit(gs_denormalize(ld(grid, g), w, align));
        float py = gs_limit(gs_denormalize(ld(grid, g + 1), h, align));
        float v;
        if (mode == 1) {
            v = gs_pixel(plane, (i64)rintf(py), (i64)rintf(px), h, w, pad, x0, y0, x1, y1);
        } else {
            i64 xa = (i64)floorf(px), ya = (i64)floorf(py), xb = xa + 1, yb = ya + 1;
            float p11 = gs_pixel(plane, ya, xa, h, w, pad, x0, y0, x1, y1);
            float p12 = gs_pixel(plane, ya, xb, h, w, pad, x0, y0, x1, y1);
            float p21 = gs_pixel(plane, yb, xa, h, w, pad, x0, y0, x1, y1);
            float p22 = gs_pixel(plane, yb, xb, h, w, pad, x0, y0, x1, y1);
            float dx2 = (float)xb - px, dx1 = px - (float)xa;
            float dy2 = (float)yb - py, dy1 = py - (float)ya;
            v = dy2 * (dx2 * p11 + dx1 * p12) + dy1 * (dx2 * p21 + dx1 * p22);
        }
        st(y, i, v);
    }
}

#define GRID_SAMPLE_ARGS i64 batch, int c, int h, int w, int ho, int wo, int mode, int pad, int align
extern "C" __global__ void grid_sample_f32(const float* x, const float* grid, float* y, GRID_SAMPLE_ARGS) {
    INDEXED(batch * c * ((i64)h * w + (i64)ho * wo) + batch * ho * wo * 2, grid_sample<I>(x, grid, y, (I)batch, c, h, w, ho, wo, mode, pad, align));
}
extern "C" __global__ void grid_sample_f16(const __half* x, const __half* grid, __half* y, GRID_SAMPLE_ARGS) {
    INDEXED(batch * c * ((i64)h * w + (i64)ho * wo) + batch * ho * wo * 2, grid_sample<I>(x, grid, y, (I)batch, c, h, w, ho, wo, mode, pad, align));
}
