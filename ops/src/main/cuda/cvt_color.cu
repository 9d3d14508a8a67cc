// Colour conversion of one image to packed 8-bit RGB or BGR (launcher: dev.vahost.ops.ColorConvert).
// Same arithmetic as the fused letterbox kernels (pixel.cuh), so the two agree exactly.
#include "pixel.cuh"

namespace vahost_ops {

VAHOST_HD void cvt_pixel(const Source& s, int x, int y, uint8_t* dst, int dstPitch, int bgr) {
    int r, g, b;
    fetch_rgb(s, x, y, r, g, b);
    uint8_t* o = dst + (size_t)y * dstPitch + (size_t)x * 3;
    o[0] = (uint8_t)(bgr ? b : r);
    o[1] = (uint8_t)g;
    o[2] = (uint8_t)(bgr ? r : b);
}

}  // namespace vahost_ops

using namespace vahost_ops;

// Launch geometry: block 32x8, one pixel per thread, grid (ceil(W/32), ceil(H/8)). A warp reads
// 32 adjacent pixels of one row and writes one contiguous 96-byte run.
extern "C" __global__ void __launch_bounds__(256) cvt_color_to_rgb_u8(
    const uint8_t* p0, const uint8_t* p1, const uint8_t* p2, int pitch0, int pitch1, int pitch2, int format,
    int yOffset, int cy, int cvr, int cvg, int cug, int cub, int width, int height, uint8_t* __restrict__ dst,
    int dstPitch, int bgr) {
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= width || y >= height) return;
    const Source s{p0, p1, p2, pitch0, pitch1, pitch2, format, yOffset, cy, cvr, cvg, cug, cub};
    cvt_pixel(s, x, y, dst, dstPitch, bgr);
}
