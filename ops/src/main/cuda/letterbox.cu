// Fused batch preprocessing (launcher: dev.vahost.ops.LetterboxResize).
//
// One launch turns N frames of any size, pitch and supported format into one [N,3,H,W] (or
// [N,H,W,3]) fp16/fp32 tensor: colour conversion to RGB (integer, OpenCV's cvtColor arithmetic),
// crop to the frame's source region, resize (OpenCV INTER_LINEAR or INTER_NEAREST) into the
// frame's content rectangle, constant padding around it, channel order, and the normalisation
// (x/scale - mean)/std folded into one multiply-add per channel. Every output element is written,
// so the tensor needs no memset.
//
// Semantics: the same as converting the whole frame to 8-bit RGB with cvtColor, cropping, and
// resizing the float copy of that RGB image with cv2.resize. The 4 source taps of a pixel are each
// converted to 8-bit RGB first, then interpolated in float.
#include "pixel.cuh"

namespace vahost_ops {

template <typename T> VAHOST_HD T to_out(float v);
template <> VAHOST_HD float to_out<float>(float v) { return v; }
template <> VAHOST_HD __half to_out<__half>(float v) { return __float2half_rn(v); }

// Per-launch settings of the letterbox kernels (kernel arguments).
struct LetterboxArgs {
    int outW, outH;
    int bgr, nearest;
    float m0, m1, m2;  // folded normalisation: out = fma(value, m, k), per output channel
    float k0, k1, k2;
    float pad;         // pad value in pixel units, normalised like a pixel
};

// Output pixel (x, y) of frame n: all 3 channels.
template <typename T, bool NCHW>
VAHOST_HD void letterbox_pixel(const FrameParams& f, int n, int x, int y, T* out, const LetterboxArgs& a) {
    float c0, c1, c2;  // output channel order, pixel units (0..255)
    const int dx = x - f.padX;
    const int dy = y - f.padY;
    if (dx < 0 || dy < 0 || dx >= f.dstW || dy >= f.dstH) {
        c0 = c1 = c2 = a.pad;
    } else {
        const Source s = source_of(f);
        float r, g, b;
        if (a.nearest) {
            const int sx = f.srcX + nearest_index(dx, f.scaleX, f.srcW);
            const int sy = f.srcY + nearest_index(dy, f.scaleY, f.srcH);
            int ri, gi, bi;
            fetch_rgb(s, sx, sy, ri, gi, bi);
            r = (float)ri; g = (float)gi; b = (float)bi;
        } else {
            int x0, x1, y0, y1;
            float a1, b1;
            linear_x(dx, f.scaleX, f.srcW, x0, x1, a1);
            linear_y(dy, f.scaleY, f.srcH, y0, y1, b1);
            x0 += f.srcX; x1 += f.srcX; y0 += f.srcY; y1 += f.srcY;
            int r00, g00, b00, r01, g01, b01, r10, g10, b10, r11, g11, b11;
            fetch_rgb(s, x0, y0, r00, g00, b00);
            fetch_rgb(s, x1, y0, r01, g01, b01);
            fetch_rgb(s, x0, y1, r10, g10, b10);
            fetch_rgb(s, x1, y1, r11, g11, b11);
            r = lerp2((float)r00, (float)r01, (float)r10, (float)r11, a1, b1);
            g = lerp2((float)g00, (float)g01, (float)g10, (float)g11, a1, b1);
            b = lerp2((float)b00, (float)b01, (float)b10, (float)b11, a1, b1);
        }
        if (a.bgr) { c0 = b; c1 = g; c2 = r; } else { c0 = r; c1 = g; c2 = b; }
    }
    const T o0 = to_out<T>(rn_fma(c0, a.m0, a.k0));
    const T o1 = to_out<T>(rn_fma(c1, a.m1, a.k1));
    const T o2 = to_out<T>(rn_fma(c2, a.m2, a.k2));

    const size_t plane = (size_t)a.outW * a.outH;
    T* base = out + (size_t)n * 3 * plane;
    if constexpr (NCHW) {
        const size_t i = (size_t)y * a.outW + x;
        base[i] = o0;
        base[plane + i] = o1;
        base[2 * plane + i] = o2;
    } else {
        const size_t i = ((size_t)y * a.outW + x) * 3;
        base[i] = o0;
        base[i + 1] = o1;
        base[i + 2] = o2;
    }
}

// Launch geometry: block 32x8 threads, one output pixel per thread; grid (ceil(W/32), ceil(H/8), N).
// A warp covers 32 adjacent output pixels of one row, so for each channel plane (NCHW) it stores
// one contiguous 64/128-byte run, and its source taps fall on two or three neighbouring rows.
// blockIdx.z selects the frame: all threads of a block read the same 128-byte parameter record,
// which 8 threads copy into shared memory once.
template <typename T, bool NCHW>
__device__ __forceinline__ void letterbox_batch(const FrameParams* __restrict__ table, T* __restrict__ out,
                                                const LetterboxArgs& a) {
    __shared__ FrameParams f;
    const int n = blockIdx.z;
    const int tid = threadIdx.y * blockDim.x + threadIdx.x;
    if (tid < (int)(sizeof(FrameParams) / sizeof(uint4))) {
        reinterpret_cast<uint4*>(&f)[tid] = reinterpret_cast<const uint4*>(table + n)[tid];
    }
    __syncthreads();
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= a.outW || y >= a.outH) return;
    letterbox_pixel<T, NCHW>(f, n, x, y, out, a);
}

}  // namespace vahost_ops

using namespace vahost_ops;

#define LETTERBOX_KERNEL(NAME, T, NCHW)                                                                   \
    extern "C" __global__ void __launch_bounds__(256) NAME(                                               \
        const FrameParams* __restrict__ table, T* __restrict__ out, int outW, int outH, int bgr,          \
        int nearest, float m0, float m1, float m2, float k0, float k1, float k2, float pad) {             \
        const LetterboxArgs a{outW, outH, bgr, nearest, m0, m1, m2, k0, k1, k2, pad};                     \
        letterbox_batch<T, NCHW>(table, out, a);                                                          \
    }

LETTERBOX_KERNEL(letterbox_batch_to_f16_nchw, __half, true)
LETTERBOX_KERNEL(letterbox_batch_to_f16_nhwc, __half, false)
LETTERBOX_KERNEL(letterbox_batch_to_f32_nchw, float, true)
LETTERBOX_KERNEL(letterbox_batch_to_f32_nhwc, float, false)
