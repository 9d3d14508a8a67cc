// Resize of one packed 8-bit image (3 or 4 channels, every channel resampled alike) with OpenCV
// INTER_LINEAR or INTER_NEAREST semantics (launcher: dev.vahost.ops.Resize). A crop is a source
// view (the launcher offsets the source pointer), so crop-and-resize is this kernel too.
// Linear: interpolated in float like cv2.resize on float data, then rounded to nearest (ties to
// even) into 8 bits; cv2's own 8-bit path uses 11-bit fixed-point weights, so it may differ by 1.
#include "pixel.cuh"

namespace vahost_ops {

VAHOST_HD int round_u8(float v) {
#ifdef __CUDA_ARCH__
    return clamp_u8(__float2int_rn(v));
#else
    return clamp_u8((int)nearbyintf(v));  // default rounding mode: to nearest, ties to even
#endif
}

// Output pixel (x, y), all C channels.
template <int C, bool NEAREST>
VAHOST_HD void resize_pixel(const uint8_t* src, int srcPitch, int srcW, int srcH, double scaleX, double scaleY,
                            uint8_t* dst, int dstPitch, int x, int y) {
    uint8_t* o = dst + (size_t)y * dstPitch + (size_t)x * C;
    if constexpr (NEAREST) {
        const int sx = nearest_index(x, scaleX, srcW);
        const int sy = nearest_index(y, scaleY, srcH);
        const uint8_t* p = src + (size_t)sy * srcPitch + (size_t)sx * C;
        for (int c = 0; c < C; c++) o[c] = (uint8_t)load_u8(p + c);
    } else {
        int x0, x1, y0, y1;
        float a1, b1;
        linear_x(x, scaleX, srcW, x0, x1, a1);
        linear_y(y, scaleY, srcH, y0, y1, b1);
        const uint8_t* r0 = src + (size_t)y0 * srcPitch;
        const uint8_t* r1 = src + (size_t)y1 * srcPitch;
        for (int c = 0; c < C; c++) {
            const float v = lerp2((float)load_u8(r0 + (size_t)x0 * C + c), (float)load_u8(r0 + (size_t)x1 * C + c),
                                  (float)load_u8(r1 + (size_t)x0 * C + c), (float)load_u8(r1 + (size_t)x1 * C + c),
                                  a1, b1);
            o[c] = (uint8_t)round_u8(v);
        }
    }
}

}  // namespace vahost_ops

using namespace vahost_ops;

// Launch geometry: block 32x8, one output pixel (all C channels) per thread, grid
// (ceil(dstW/32), ceil(dstH/8)): a warp writes one contiguous run of 32*C bytes.
#define RESIZE_KERNEL(NAME, C, NEAREST)                                                                     \
    extern "C" __global__ void __launch_bounds__(256) NAME(const uint8_t* src, int srcPitch, int srcW,      \
                                                            int srcH, double scaleX, double scaleY,          \
                                                            uint8_t* dst, int dstPitch, int dstW, int dstH) { \
        const int x = blockIdx.x * blockDim.x + threadIdx.x;                                                \
        const int y = blockIdx.y * blockDim.y + threadIdx.y;                                                \
        if (x >= dstW || y >= dstH) return;                                                                 \
        resize_pixel<C, NEAREST>(src, srcPitch, srcW, srcH, scaleX, scaleY, dst, dstPitch, x, y);           \
    }

RESIZE_KERNEL(resize_linear_u8_c3, 3, false)
RESIZE_KERNEL(resize_linear_u8_c4, 4, false)
RESIZE_KERNEL(resize_nearest_u8_c3, 3, true)
RESIZE_KERNEL(resize_nearest_u8_c4, 4, true)
