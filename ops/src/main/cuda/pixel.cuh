// Device code shared by the ops kernels (letterbox.cu, cvt_color.cu, resize.cu).
//
// Two rules make the GPU results equal to the Java CPU reference (dev.vahost.ops.cpu), bit for bit
// where the arithmetic allows it:
//  * colour conversion is integer fixed point with 20 fractional bits, the arithmetic of OpenCV's
//    cvtColor YUV->RGB (color_yuv.simd.hpp: uvToRGBuv / yRGBuvToRGB), so it is exact;
//  * every floating-point step that decides a value uses an explicitly rounded intrinsic
//    (__dmul_rn, __fadd_rn, __fmaf_rn ...). nvcc contracts a*b+c into an FMA by default; the
//    intrinsics forbid that, and Java performs the same IEEE operations in the same order.
// Everything here is __host__ __device__: the per-pixel code also compiles for the host, where
// KernelHostEmulationTest runs it against the Java reference (x86-64 SSE arithmetic does not fuse
// either, so the host build rounds like the device build).
#pragma once

#ifdef VAHOST_OPS_HOST_EMU
#include "ops_host_emu.h"  // g++ build of this code for KernelHostEmulationTest (src/test/cuda)
#else
#include <cuda_fp16.h>
#endif
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#define VAHOST_HD __host__ __device__ __forceinline__

namespace vahost_ops {

// Explicitly rounded arithmetic: the device intrinsics (never contracted into FMAs) or plain host
// operations.
VAHOST_HD double rn_dmul(double a, double b) {
#ifdef __CUDA_ARCH__
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}
VAHOST_HD double rn_dadd(double a, double b) {
#ifdef __CUDA_ARCH__
    return __dadd_rn(a, b);
#else
    return a + b;
#endif
}
VAHOST_HD float rn_d2f(double a) {
#ifdef __CUDA_ARCH__
    return __double2float_rn(a);
#else
    return (float)a;
#endif
}
VAHOST_HD float rn_fmul(float a, float b) {
#ifdef __CUDA_ARCH__
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}
VAHOST_HD float rn_fadd(float a, float b) {
#ifdef __CUDA_ARCH__
    return __fadd_rn(a, b);
#else
    return a + b;
#endif
}
VAHOST_HD float rn_fsub(float a, float b) {
#ifdef __CUDA_ARCH__
    return __fsub_rn(a, b);
#else
    return a - b;
#endif
}
// One rounding: fma(x, m, k), as Java's Math.fma(float, float, float).
VAHOST_HD float rn_fma(float x, float m, float k) {
#ifdef __CUDA_ARCH__
    return __fmaf_rn(x, m, k);
#else
    return fmaf(x, m, k);
#endif
}
// Read-only loads through the texture path on the device.
VAHOST_HD int load_u8(const uint8_t* p) {
#ifdef __CUDA_ARCH__
    return __ldg(p);
#else
    return *p;
#endif
}
VAHOST_HD int imin(int a, int b) { return a < b ? a : b; }
VAHOST_HD int imax(int a, int b) { return a > b ? a : b; }

// Input pixel formats; the Java side (internal.Formats) uses the same codes.
enum Format : int {
    FMT_NV12 = 0,  // Y plane, interleaved UV plane at half resolution (U first)
    FMT_I420 = 1,  // Y, U, V planes, chroma at half resolution
    FMT_RGBA = 2,
    FMT_BGRA = 3,
    FMT_RGBX = 4,
    FMT_BGRX = 5,
    FMT_RGB = 6,
    FMT_BGR = 7,
};

// Where a source image lies and how its YUV maps to RGB. Coefficients are fixed point, scaled by
// 2^20 (internal.ColorCoefficients); RGB formats ignore them.
struct Source {
    const uint8_t* p0;
    const uint8_t* p1;
    const uint8_t* p2;
    int pitch0, pitch1, pitch2;
    int format;
    int yOffset, cy, cvr, cvg, cug, cub;
};

// One frame of a batch, as LetterboxResize uploads it (internal.FrameTable writes the same bytes,
// little endian). 128 bytes so a frame's record is 8 aligned uint4 loads.
struct __align__(16) FrameParams {
    unsigned long long plane0, plane1, plane2;  //   0,   8,  16: plane device addresses
    int pitch0, pitch1, pitch2;                 //  24,  28,  32: row pitches in bytes
    int format;                                 //  36: Format
    int srcX, srcY, srcW, srcH;                 //  40..52: source region (crop), absolute pixels
    int padX, padY, dstW, dstH;                 //  56..68: where the resized region lies in the output
    int yOffset, cy, cvr, cvg, cug, cub;        //  72..92: colour coefficients
    double scaleX, scaleY;                      //  96, 104: source pixels per output pixel (OpenCV's scale_x)
    int reserved[4];                            // 112..127
};
static_assert(sizeof(FrameParams) == 128, "FrameParams must stay 128 bytes (internal.FrameTable.BYTES)");
static_assert(offsetof(FrameParams, pitch0) == 24, "layout shared with internal.FrameTable");
static_assert(offsetof(FrameParams, format) == 36, "layout shared with internal.FrameTable");
static_assert(offsetof(FrameParams, srcX) == 40, "layout shared with internal.FrameTable");
static_assert(offsetof(FrameParams, padX) == 56, "layout shared with internal.FrameTable");
static_assert(offsetof(FrameParams, yOffset) == 72, "layout shared with internal.FrameTable");
static_assert(offsetof(FrameParams, cub) == 92, "layout shared with internal.FrameTable");
static_assert(offsetof(FrameParams, scaleX) == 96, "layout shared with internal.FrameTable");
static_assert(offsetof(FrameParams, scaleY) == 104, "layout shared with internal.FrameTable");

VAHOST_HD Source source_of(const FrameParams& f) {
    Source s;
    s.p0 = reinterpret_cast<const uint8_t*>(f.plane0);
    s.p1 = reinterpret_cast<const uint8_t*>(f.plane1);
    s.p2 = reinterpret_cast<const uint8_t*>(f.plane2);
    s.pitch0 = f.pitch0;
    s.pitch1 = f.pitch1;
    s.pitch2 = f.pitch2;
    s.format = f.format;
    s.yOffset = f.yOffset;
    s.cy = f.cy;
    s.cvr = f.cvr;
    s.cvg = f.cvg;
    s.cug = f.cug;
    s.cub = f.cub;
    return s;
}

VAHOST_HD int clamp_u8(int v) { return imin(imax(v, 0), 255); }

// OpenCV: y = max(0, Y - 16) * CY; r = sat((y + (1 << 19) + CVR * (V - 128)) >> 20), etc.
// The largest magnitude (full range, Y = 255, U = 255) is about 5.2e8, inside int32.
VAHOST_HD void yuv_to_rgb(const Source& s, int Y, int U, int V, int& r, int& g, int& b) {
    const int y = imax(Y - s.yOffset, 0) * s.cy + (1 << 19);
    const int u = U - 128;
    const int v = V - 128;
    r = clamp_u8((y + s.cvr * v) >> 20);
    g = clamp_u8((y + s.cvg * v + s.cug * u) >> 20);
    b = clamp_u8((y + s.cub * u) >> 20);
}

// RGB of the pixel at absolute position (x, y). Chroma of 4:2:0 formats is taken from (x/2, y/2),
// the nearest-sample upsampling cvtColor uses; bytes are loaded one by one because the pitch of a
// test image (or of an odd-width chroma plane) need not keep wider loads aligned.
VAHOST_HD void fetch_rgb(const Source& s, int x, int y, int& r, int& g, int& b) {
    switch (s.format) {
        case FMT_NV12: {
            const int Y = load_u8(s.p0 + (size_t)y * s.pitch0 + x);
            const uint8_t* uv = s.p1 + (size_t)(y >> 1) * s.pitch1 + ((x >> 1) << 1);
            yuv_to_rgb(s, Y, load_u8(uv), load_u8(uv + 1), r, g, b);
            return;
        }
        case FMT_I420: {
            const int Y = load_u8(s.p0 + (size_t)y * s.pitch0 + x);
            const int U = load_u8(s.p1 + (size_t)(y >> 1) * s.pitch1 + (x >> 1));
            const int V = load_u8(s.p2 + (size_t)(y >> 1) * s.pitch2 + (x >> 1));
            yuv_to_rgb(s, Y, U, V, r, g, b);
            return;
        }
        case FMT_RGBA:
        case FMT_RGBX: {
            const uint8_t* p = s.p0 + (size_t)y * s.pitch0 + (size_t)x * 4;
            r = load_u8(p); g = load_u8(p + 1); b = load_u8(p + 2);
            return;
        }
        case FMT_BGRA:
        case FMT_BGRX: {
            const uint8_t* p = s.p0 + (size_t)y * s.pitch0 + (size_t)x * 4;
            b = load_u8(p); g = load_u8(p + 1); r = load_u8(p + 2);
            return;
        }
        case FMT_RGB: {
            const uint8_t* p = s.p0 + (size_t)y * s.pitch0 + (size_t)x * 3;
            r = load_u8(p); g = load_u8(p + 1); b = load_u8(p + 2);
            return;
        }
        case FMT_BGR: {
            const uint8_t* p = s.p0 + (size_t)y * s.pitch0 + (size_t)x * 3;
            b = load_u8(p); g = load_u8(p + 1); r = load_u8(p + 2);
            return;
        }
        default:  // the launchers refuse other formats; never read memory for one
            r = g = b = 0;
            return;
    }
}

// OpenCV INTER_LINEAR (resize.cpp, generic path): destination index d samples source coordinate
// fx = (float)((d + 0.5) * scale - 0.5); sx = floor(fx); fx -= sx. Returns fx, sets sx.
VAHOST_HD float linear_coord(int d, double scale, int& s) {
    const float f = rn_d2f(rn_dadd(rn_dmul((double)d + 0.5, scale), -0.5));
    s = (int)floorf(f);
    return rn_fsub(f, (float)s);
}

// Horizontal taps: OpenCV moves the coordinate to the edge and zeroes the weight at both borders
// (sx < 0 -> sx = 0, fx = 0; sx >= W-1 -> sx = W-1, fx = 0).
VAHOST_HD void linear_x(int dx, double scale, int w, int& x0, int& x1, float& a1) {
    int s;
    float f = linear_coord(dx, scale, s);
    if (s < 0) { s = 0; f = 0.f; }
    if (s >= w - 1) { s = w - 1; f = 0.f; }
    x0 = s;
    x1 = imin(s + 1, w - 1);
    a1 = f;
}

// Vertical taps: OpenCV clips both row indices into [0, H-1] and keeps the weight.
VAHOST_HD void linear_y(int dy, double scale, int h, int& y0, int& y1, float& b1) {
    int s;
    b1 = linear_coord(dy, scale, s);
    y0 = imin(imax(s, 0), h - 1);
    y1 = imin(imax(s + 1, 0), h - 1);
}

// OpenCV INTER_NEAREST (resizeNN): sx = min(floor(d * scale), W-1). Not half-pixel centred: that
// is what cv2.INTER_NEAREST does (INTER_NEAREST_EXACT is the centred one).
VAHOST_HD int nearest_index(int d, double scale, int size) {
    return imin((int)floor(rn_dmul((double)d, scale)), size - 1);
}

// Horizontal pass then vertical pass, as OpenCV's HResizeLinear / VResizeLinear for float data.
VAHOST_HD float lerp2(float v00, float v01, float v10, float v11, float a1, float b1) {
    const float a0 = rn_fsub(1.f, a1);
    const float b0 = rn_fsub(1.f, b1);
    const float top = rn_fadd(rn_fmul(v00, a0), rn_fmul(v01, a1));
    const float bot = rn_fadd(rn_fmul(v10, a0), rn_fmul(v11, a1));
    return rn_fadd(rn_fmul(top, b0), rn_fmul(bot, b1));
}

}  // namespace vahost_ops
