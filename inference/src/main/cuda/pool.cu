// Average pooling (internal.ops.PoolOps.AvgPool), one thread per output element, float32 sums.
// Windows as onnxruntime's pooling: start = o*stride - padBegin, end = min(start + k*dilation,
// size + padEnd); taps inside the input are summed and divided by (mode) 0: the number of those
// taps, 1: the number of taps in the window (count_include_pad from opset 19), 2: kh*kw
// (count_include_pad before opset 19); no tap inside: 0. Max pooling lives in glue.cu.
// Grid: 1-D grid-stride loops of 256 threads (the engine caps the grid at 2^20 blocks).
#include "common.cuh"

// The divisor of one window (mode: see above); count: the taps inside the input.
__device__ __forceinline__ int avg_divisor(int hs, int he, int dh, int ws, int we, int dw, int kh, int kw, int count, int mode) {
    return mode == 0 ? count : (mode == 1 ? ((he - hs - 1) / dh + 1) * ((we - ws - 1) / dw + 1) : kh * kw);
}

// NCHW: i = ((n*C + c)*oh + oy)*ow + ox over planes = N*C.
template <typename I, typename T>
__device__ void avgpool(const T* x, T* y, I planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                        int pt, int pl, int pb, int pr, int dh, int dw, int mode) {
    const I n = planes * oh * ow;
    GRID_STRIDE(i, n) {
        const int ox = (int)(i % ow);
        const I t = i / ow;
        const int oy = (int)(t % oh);
        const I p = t / oh;
        const T* xp = x + p * h * w;
        const int hs = oy * sh - pt, he = min(hs + kh * dh, h + pb);
        const int ws = ox * sw - pl, we = min(ws + kw * dw, w + pr);
        float sum = 0.f;
        int count = 0;
        for (int iy = hs; iy < he; iy += dh) {
            if (iy < 0 || iy >= h) continue;
            for (int ix = ws; ix < we; ix += dw) {
                if (ix < 0 || ix >= w) continue;
                sum += ld(xp, (I)iy * w + ix);
                ++count;
            }
        }
        st(y, i, count == 0 ? 0.f : sum / (float)avg_divisor(hs, he, dh, ws, we, dw, kh, kw, count, mode));
    }
}
#define AVGPOOL_ARGS i64 planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw, int mode
extern "C" __global__ void avgpool_f32(const float* x, float* y, AVGPOOL_ARGS) { INDEXED(planes * h * w + planes * oh * ow, avgpool<I>(x, y, (I)planes, h, w, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, mode)); }
extern "C" __global__ void avgpool_f16(const __half* x, __half* y, AVGPOOL_ARGS) { INDEXED(planes * h * w + planes * oh * ow, avgpool<I>(x, y, (I)planes, h, w, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, mode)); }

// NHWC: i = ((n*oh + oy)*ow + ox)*C + c; adjacent threads read adjacent channels (coalesced).
template <typename I, typename T>
__device__ void avgpool_nhwc(const T* x, T* y, I batch, int c, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                             int pt, int pl, int pb, int pr, int dh, int dw, int mode) {
    const I n = batch * oh * ow * c;
    GRID_STRIDE(i, n) {
        const int ch = (int)(i % c);
        I t = i / c;
        const int ox = (int)(t % ow);
        t /= ow;
        const int oy = (int)(t % oh);
        const I b = t / oh;
        const T* xp = x + b * h * w * c + ch;
        const int hs = oy * sh - pt, he = min(hs + kh * dh, h + pb);
        const int ws = ox * sw - pl, we = min(ws + kw * dw, w + pr);
        float sum = 0.f;
        int count = 0;
        for (int iy = hs; iy < he; iy += dh) {
            if (iy < 0 || iy >= h) continue;
            for (int ix = ws; ix < we; ix += dw) {
                if (ix < 0 || ix >= w) continue;
                sum += ld(xp, ((I)iy * w + ix) * c);
                ++count;
            }
        }
        st(y, i, count == 0 ? 0.f : sum / (float)avg_divisor(hs, he, dh, ws, we, dw, kh, kw, count, mode));
    }
}
#define AVGPOOL_NHWC_ARGS i64 batch, int c, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw, int mode
extern "C" __global__ void avgpool_nhwc_f32(const float* x, float* y, AVGPOOL_NHWC_ARGS) { INDEXED(batch * c * (h * w + oh * ow), avgpool_nhwc<I>(x, y, (I)batch, c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, mode)); }
extern "C" __global__ void avgpool_nhwc_f16(const __half* x, __half* y, AVGPOOL_NHWC_ARGS) { INDEXED(batch * c * (h * w + oh * ow), avgpool_nhwc<I>(x, y, (I)batch, c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, mode)); }
