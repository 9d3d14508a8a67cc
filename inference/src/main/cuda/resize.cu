// Linear and cubic Resize of the two spatial axes (internal.ops.ResizeOps.Interpolate). The
// interpolation is separable: every output row oy reads TAPS source rows rows[oy*TAPS + a] with
// weights wy[oy*TAPS + a], every output column ox reads TAPS source columns cols[ox*TAPS + b] with
// weights wx[ox*TAPS + b] (TAPS = 2 for linear, 4 for cubic). The tables are computed at plan time
// with onnxruntime's float arithmetic (source coordinates, clamping, cubic coefficients, the
// renormalisation of exclude_outside), so a kernel only gathers and sums: in float32, also for fp16
// storage. Geometry: 1-D grid-stride loops over the output, 256 threads per block
// (GpuLowering.THREADS); the engine caps the grid at 2^20 blocks.
#include "common.cuh"

// NCHW: p runs over the N * C planes of h x w (source) and oh x ow (output).
template <int TAPS, typename I, typename T>
__device__ void resize_taps(const T* x, T* y, I planes, int h, int w, int oh, int ow, const int* rows, const int* cols,
                            const float* wy, const float* wx) {
    I n = planes * oh * ow;
    GRID_STRIDE(i, n) {
        int ox = (int)(i % ow);
        I t = i / ow;
        int oy = (int)(t % oh);
        I p = t / oh;
        I base = p * h;
        float acc = 0.f;
        #pragma unroll
        for (int a = 0; a < TAPS; ++a) {
            I row = (base + rows[oy * TAPS + a]) * w;
            float r = 0.f;
            #pragma unroll
            for (int b = 0; b < TAPS; ++b) r += wx[ox * TAPS + b] * ld(x, row + cols[ox * TAPS + b]);
            acc += wy[oy * TAPS + a] * r;
        }
        st(y, i, acc);
    }
}
#define RESIZE_TAPS_ARGS i64 planes, int h, int w, int oh, int ow, const int* rows, const int* cols, const float* wy, const float* wx
#define RESIZE_TAPS_CALL(TAPS) INDEXED(planes * (h * w + oh * ow), resize_taps<TAPS, I>(x, y, (I)planes, h, w, oh, ow, rows, cols, wy, wx))
extern "C" __global__ void resize_linear_f32(const float* x, float* y, RESIZE_TAPS_ARGS) { RESIZE_TAPS_CALL(2); }
extern "C" __global__ void resize_linear_f16(const __half* x, __half* y, RESIZE_TAPS_ARGS) { RESIZE_TAPS_CALL(2); }
extern "C" __global__ void resize_cubic_f32(const float* x, float* y, RESIZE_TAPS_ARGS) { RESIZE_TAPS_CALL(4); }
extern "C" __global__ void resize_cubic_f16(const __half* x, __half* y, RESIZE_TAPS_ARGS) { RESIZE_TAPS_CALL(4); }

// NHWC: [batch, h, w, c] storage; consecutive threads take consecutive channels (coalesced).
template <int TAPS, typename I, typename T>
__device__ void resize_taps_nhwc(const T* x, T* y, I batch, int c, int h, int w, int oh, int ow, const int* rows,
                                 const int* cols, const float* wy, const float* wx) {
    I n = batch * oh * ow * c;
    GRID_STRIDE(i, n) {
        int ch = (int)(i % c);
        I t = i / c;
        int ox = (int)(t % ow);
        t /= ow;
        int oy = (int)(t % oh);
        I b = t / oh;
        I base = b * h;
        float acc = 0.f;
        #pragma unroll
        for (int a = 0; a < TAPS; ++a) {
            I row = (base + rows[oy * TAPS + a]) * w;
            float r = 0.f;
            #pragma unroll
            for (int k = 0; k < TAPS; ++k) r += wx[ox * TAPS + k] * ld(x, (row + cols[ox * TAPS + k]) * c + ch);
            acc += wy[oy * TAPS + a] * r;
        }
        st(y, i, acc);
    }
}
#define RESIZE_TAPS_NHWC_ARGS i64 batch, int c, int h, int w, int oh, int ow, const int* rows, const int* cols, const float* wy, const float* wx
#define RESIZE_TAPS_NHWC_CALL(TAPS) INDEXED(batch * c * (h * w + oh * ow), resize_taps_nhwc<TAPS, I>(x, y, (I)batch, c, h, w, oh, ow, rows, cols, wy, wx))
extern "C" __global__ void resize_linear_nhwc_f32(const float* x, float* y, RESIZE_TAPS_NHWC_ARGS) { RESIZE_TAPS_NHWC_CALL(2); }
extern "C" __global__ void resize_linear_nhwc_f16(const __half* x, __half* y, RESIZE_TAPS_NHWC_ARGS) { RESIZE_TAPS_NHWC_CALL(2); }
extern "C" __global__ void resize_cubic_nhwc_f32(const float* x, float* y, RESIZE_TAPS_NHWC_ARGS) { RESIZE_TAPS_NHWC_CALL(4); }
extern "C" __global__ void resize_cubic_nhwc_f16(const __half* x, __half* y, RESIZE_TAPS_NHWC_ARGS) { RESIZE_TAPS_NHWC_CALL(4); }
