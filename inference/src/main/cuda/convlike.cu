// Kernels of the convolution family beside cuDNN (internal.ops.ConvOps, ConvTransposeOp): a shifted
// window of the two spatial axes, zero outside the source. With negative offsets it zero-pads a
// convolution's input (asymmetric padding, which cuDNN's legacy API cannot express); with positive
// offsets it crops a transposed convolution's output out of the larger one cuDNN computed.
// Geometry: 1-D grid-stride loops over the output, 256 threads per block (GpuLowering.THREADS); the
// engine caps the grid at 2^20 blocks. Storage float32 or float16 (suffix), moved through float.
#include "common.cuh"

// NCHW: y[p, oy, ox] = x[p, oy + dy, ox + dx] where that is inside the h x w source plane, else 0;
// p runs over the planes (N * C), the output planes are oh x ow.
template <typename I, typename T>
__device__ void window2d(const T* x, T* y, I planes, int h, int w, int oh, int ow, int dy, int dx) {
    I n = planes * oh * ow;
    GRID_STRIDE(i, n) {
        int ox = (int)(i % ow);
        I t = i / ow;
        int oy = (int)(t % oh);
        I p = t / oh;
        int sy = oy + dy, sx = ox + dx;
        bool inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        st(y, i, inside ? ld(x, (p * h + sy) * w + sx) : 0.f);
    }
}
#define WINDOW_ARGS i64 planes, int h, int w, int oh, int ow, int dy, int dx
extern "C" __global__ void window2d_f32(const float* x, float* y, WINDOW_ARGS) { INDEXED(planes * h * w + planes * oh * ow, window2d<I>(x, y, (I)planes, h, w, oh, ow, dy, dx)); }
extern "C" __global__ void window2d_f16(const __half* x, __half* y, WINDOW_ARGS) { INDEXED(planes * h * w + planes * oh * ow, window2d<I>(x, y, (I)planes, h, w, oh, ow, dy, dx)); }

// NHWC: the same on [batch, h, w, c] storage; consecutive threads take consecutive channels.
template <typename I, typename T>
__device__ void window2d_nhwc(const T* x, T* y, I batch, int c, int h, int w, int oh, int ow, int dy, int dx) {
    I n = batch * oh * ow * c;
    GRID_STRIDE(i, n) {
        int ch = (int)(i % c);
        I t = i / c;
        int ox = (int)(t % ow);
        t /= ow;
        int oy = (int)(t % oh);
        I b = t / oh;
        int sy = oy + dy, sx = ox + dx;
        bool inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        st(y, i, inside ? ld(x, ((b * h + sy) * w + sx) * c + ch) : 0.f);
    }
}
#define WINDOW_NHWC_ARGS i64 batch, int c, int h, int w, int oh, int ow, int dy, int dx
extern "C" __global__ void window2d_nhwc_f32(const float* x, float* y, WINDOW_NHWC_ARGS) { INDEXED(batch * c * (h * w + oh * ow), window2d_nhwc<I>(x, y, (I)batch, c, h, w, oh, ow, dy, dx)); }
extern "C" __global__ void window2d_nhwc_f16(const __half* x, __half* y, WINDOW_NHWC_ARGS) { INDEXED(batch * c * (h * w + oh * ow), window2d_nhwc<I>(x, y, (I)batch, c, h, w, oh, ow, dy, dx)); }

// NHWC fp16 rows of c < 8 channels widened to 8, the rest zero: cuDNN's tensor-core convolutions want
// channels in multiples of 8, and a network's first convolution (3 channels) runs several times
// faster on the widened copy (with its weights widened by zeros the same way). One thread per row,
// one 16-byte store.
extern "C" __global__ void widen_channels8_nhwc_f16(const __half* x, __half* y, i64 rows, int c) {
    INDEXED(rows, {
        GRID_STRIDE(r, rows) {
            union { uint4 u; unsigned short s[8]; } v;
            for (int j = 0; j < 8; ++j) v.s[j] = j < c ? __half_as_ushort(x[(i64)r * c + j]) : (unsigned short)0;
            reinterpret_cast<uint4*>(y)[r] = v.u;
        }
    });
}

// NCHW 1x1 convolution (stride 1, no padding, one group) with few output channels, k <= 8: YOLOv8's
// DFL (16 -> 1 over [N, 16, 4, A]) and small heads, where cuDNN's kernels were measured at several
// times the memory time. One thread per (image, pixel) computes all k outputs from its c inputs
// (consecutive threads read consecutive pixels of each channel plane): y[n, j, p] = act(bias[j] +
// sum_ch w[j * c + ch] * x[n, ch, p]), float sums in channel order, rounded once. bias may be null.
template <typename I, typename T>
__device__ void conv1x1_fewk(const T* x, const float* w, const float* bias, T* y, I batch, I hw, int c, int k, int a, float alpha,
                             float beta) {
    GRID_STRIDE(i, batch * hw) {
        I n = i / hw, p = i - n * hw;
        float acc[8];
        #pragma unroll
        for (int j = 0; j < 8; ++j) acc[j] = (j < k && bias != nullptr) ? bias[j] : 0.f;
        for (int ch = 0; ch < c; ++ch) {
            float v = ld(x, (n * c + ch) * hw + p);
            #pragma unroll
            for (int j = 0; j < 8; ++j) if (j < k) acc[j] += w[j * c + ch] * v;
        }
        #pragma unroll
        for (int j = 0; j < 8; ++j) if (j < k) st(y, (n * k + j) * hw + p, act(acc[j], a, alpha, beta));
    }
}
#define CONV1X1_FEWK_ARGS const float* w, const float* bias, i64 batch, i64 hw, int c, int k, int a, float alpha, float beta
extern "C" __global__ void conv1x1_fewk_f32(const float* x, float* y, CONV1X1_FEWK_ARGS) { INDEXED(batch * hw * (c + k), conv1x1_fewk<I>(x, w, bias, y, (I)batch, (I)hw, c, k, a, alpha, beta)); }
extern "C" __global__ void conv1x1_fewk_f16(const __half* x, __half* y, CONV1X1_FEWK_ARGS) { INDEXED(batch * hw * (c + k), conv1x1_fewk<I>(x, w, bias, y, (I)batch, (I)hw, c, k, a, alpha, beta)); }
