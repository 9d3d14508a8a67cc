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

// Space-to-depth for a strided convolution on few channels (YOLOv5's 6x6 stride-2 stem on RGB): x is
// [n][h2 * s][w2 * s][c] NHWC fp16, y is [n][h2][w2][c2], c2 a multiple of 8 >= s * s * c: y channel
// (dy * s + dx) * c + ci of pixel (Y, X) is x[n][Y * s + dy][X * s + dx][ci], the channels after s * s * c
// zero. A kh x kw convolution of stride s on x is then a (kh / s) x (kw / s) convolution of stride 1 on y.
extern "C" __global__ void space_to_depth_nhwc_f16(const __half* x, __half* y, i64 pixels, int h2, int w2, int s, int c, int c2) {
    INDEXED(pixels * c2, {
        GRID_STRIDE(p, pixels) {
            I X = p % w2, t = p / w2, Y = t % h2, n = t / h2, W = (I)w2 * s;
            const __half* base = x + ((n * h2 * s + Y * s) * W + X * s) * c;
            for (int j0 = 0; j0 < c2; j0 += 8) {
                union { uint4 u; unsigned short v[8]; } o;
                for (int q = 0; q < 8; ++q) {
                    int j = j0 + q, blk = j / c, ci = j - blk * c, dy = blk / s, dx = blk - dy * s;
                    o.v[q] = blk < s * s ? __half_as_ushort(base[((I)dy * W + dx) * c + ci]) : (unsigned short)0;
                }
                reinterpret_cast<uint4*>(y)[p * (c2 / 8) + j0 / 8] = o.u;
            }
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

// A convolution on few input channels (c < 8: a network's first convolution, on RGB), fp16 in and out,
// float sums, bias and activation applied before the single rounding. cuDNN has no tensor-core kernel for
// c < 8; the engine's other route widens the input to 8 channels in a copy first (0.30 ms in all for bench640's
// 3x3 stem at batch 32 on the H200, and 0.30 ms for a first version of this kernel that read its weights from
// shared memory once per multiply-add and its input pixel by pixel from global memory).
// x is read through element strides (xsn, xsc, xsy, xsx: NHWC, or NCHW planes); y is NHWC, pixels ys elements
// apart (the channel count, or a Concat's when written into a slice), k % 8 == 0. w: float [k/8][kh][kw][c][8]
// (each group of 8 output channels' taps, input channel, then the 8), bias: float [k] or null.
// A block takes a tile of CONV_FEWC_TW output pixels of one output row: the kh input rows it reads (zero
// outside the image) are staged in shared memory by coalesced loads, with all the weights (k·kh·kw·c <=
// CONV_FEWC_WEIGHTS floats, kh·span·c <= CONV_FEWC_TILE halves, span the tile's input columns); each thread
// then computes one pixel's 8 output channels of a group (two groups at once per pixel), 8 multiply-adds per
// input value read and per two 16-byte weight reads, and stores them in one 16-byte store. Sums in tap order
// (row, column, channel; padding adds zeros). Loops over threadIdx also cover a one-thread block (host check).
#define CONV_FEWC_TW 128
#define CONV_FEWC_WEIGHTS 4096
#define CONV_FEWC_TILE 12288
template <typename I, int C>
__device__ __forceinline__ void conv_fewc_nhwc8(float* ws, unsigned short* xt, const __half* x, __half* y, const float* w, const float* bias, I batch,
                                int h, int wd, int k, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl, int dh, int dw,
                                I xsn, I xsc, I xsy, I xsx, I ys, int a, float alpha, float beta) {
    const int taps = kh * kw * C, groups = k / 8;
    const int span = (CONV_FEWC_TW - 1) * sw + (kw - 1) * dw + 1, tilesX = (ow + CONV_FEWC_TW - 1) / CONV_FEWC_TW;
    for (int i = threadIdx.x; i < taps * k; i += blockDim.x) ws[i] = w[i];
    const I tiles = batch * oh * tilesX;
    for (I tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
        const int tx = (int)(tile % tilesX);
        const I t2 = tile / tilesX;
        const int oy = (int)(t2 % oh);
        const I n = t2 / oh;
        const int ox0 = tx * CONV_FEWC_TW, ix0 = ox0 * sw - pl, iy0 = oy * sh - pt;
        __syncthreads();  // the weights are stored, the previous tile's input no longer read
        for (int i = threadIdx.x; i < kh * span * C; i += blockDim.x) {
            const int ci = i % C, col = (i / C) % span, row = i / (C * span);
            const int iy = iy0 + row * dh, ix = ix0 + col;
            xt[i] = (iy >= 0 && iy < h && ix >= 0 && ix < wd) ? __half_as_ushort(x[n * xsn + (I)iy * xsy + (I)ix * xsx + (I)ci * xsc])
                                                              : (unsigned short)0;
        }
        __syncthreads();
        for (int t = threadIdx.x; t < 2 * CONV_FEWC_TW; t += blockDim.x) {
            const int px = t % CONV_FEWC_TW, ox = ox0 + px;
            if (ox >= ow) continue;
            for (int g = t / CONV_FEWC_TW; g < groups; g += 2) {
                float acc[8];
                #pragma unroll
                for (int j = 0; j < 8; ++j) acc[j] = bias != nullptr ? bias[g * 8 + j] : 0.f;
                const float* wg = ws + g * taps * 8;
                for (int ky = 0; ky < kh; ++ky) {
                    const unsigned short* xr = xt + (ky * span + px * sw) * C;
                    for (int kx = 0; kx < kw; ++kx) {
                        const unsigned short* xp = xr + kx * dw * C;
                        const float4* wt = reinterpret_cast<const float4*>(wg + (ky * kw + kx) * C * 8);
                        #pragma unroll
                        for (int ci = 0; ci < C; ++ci) {
                            const float v = __half2float(__ushort_as_half(xp[ci]));
                            const float4 w0 = wt[2 * ci], w1 = wt[2 * ci + 1];
                            acc[0] += v * w0.x;
                            acc[1] += v * w0.y;
                            acc[2] += v * w0.z;
                            acc[3] += v * w0.w;
                            acc[4] += v * w1.x;
                            acc[5] += v * w1.y;
                            acc[6] += v * w1.z;
                            acc[7] += v * w1.w;
                        }
                    }
                }
                uint4 o;
                __half2* ho = reinterpret_cast<__half2*>(&o);
                #pragma unroll
                for (int j = 0; j < 4; ++j) ho[j] = __floats2half2_rn(act(acc[2 * j], a, alpha, beta), act(acc[2 * j + 1], a, alpha, beta));
                *reinterpret_cast<uint4*>(y + ((n * oh + oy) * ow + ox) * ys + g * 8) = o;
            }
        }
    }
}
template <typename I>
__device__ __forceinline__ void conv_fewc_nhwc8_any(float* ws, unsigned short* xt, const __half* x, __half* y, const float* w, const float* bias, I batch,
                                    int c, int h, int wd, int k, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl, int dh,
                                    int dw, I xsn, I xsc, I xsy, I xsx, I ys, int a, float alpha, float beta) {
#define CONV_FEWC_CASE(C) case C: conv_fewc_nhwc8<I, C>(ws, xt, x, y, w, bias, batch, h, wd, k, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, xsn, \
                                                       xsc, xsy, xsx, ys, a, alpha, beta); break;
    switch (c) {
        CONV_FEWC_CASE(1) CONV_FEWC_CASE(2) CONV_FEWC_CASE(3) CONV_FEWC_CASE(4) CONV_FEWC_CASE(5) CONV_FEWC_CASE(6) CONV_FEWC_CASE(7)
        default: break;  // the engine asks c < 8
    }
#undef CONV_FEWC_CASE
}
extern "C" __global__ void conv_fewc_nhwc8_f16(const __half* x, __half* y, const float* w, const float* bias, i64 batch, int c, int h,
                                               int wd, int k, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl, int dh,
                                               int dw, i64 xsn, i64 xsc, i64 xsy, i64 xsx, i64 ys, int a, float alpha, float beta) {
    __shared__ __align__(16) float ws[CONV_FEWC_WEIGHTS];           // all the weights
    __shared__ __align__(16) unsigned short xt[CONV_FEWC_TILE];     // one tile's input rows
    INDEXED(batch * xsn + batch * oh * ow * ys, conv_fewc_nhwc8_any<I>(ws, xt, x, y, w, bias, (I)batch, c, h, wd, k, oh, ow, kh, kw, sh,
                                                                        sw, pt, pl, dh, dw, (I)xsn, (I)xsc, (I)xsy, (I)xsx, (I)ys, a,
                                                                        alpha, beta));
}
