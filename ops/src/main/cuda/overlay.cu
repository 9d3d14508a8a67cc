// The OSD on the GPU (launcher: dev.vahost.ops.overlay.OverlayGpu; CPU reference: OverlayCpu): a
// batch of frames converted to packed RGB with their figures drawn over them, one launch for all.
// Where OverlayCpu paints figure after figure, each thread here takes one pixel and walks the frame's
// figures in order, keeping the colour of the last one that covers it; for a Bresenham segment that
// needs the segment's pixel in the pixel's column (row, when steep) in closed form: with the error
// rule of OverlayCpu (e = dx - dy; x steps when 2e >= -dy, y when 2e <= dx), after i steps along the
// longer axis the shorter one has moved floor((2 dmin i + dmaj) / (2 dmaj)) pixels (i.e. dmin i / dmaj
// rounded half up; by induction on the error term, which stays within [-dmaj/2, dmaj/2]).
#include "pixel.cuh"

namespace vahost_ops {

// One frame of the batch (OverlayGpu.FRAME_BYTES; the offsets are pinned there too).
struct __align__(16) OverlayFrame {
    unsigned long long plane0, plane1, plane2;  //  0,  8, 16
    int pitch0, pitch1, pitch2, format;         // 24, 28, 32, 36
    int width, height;                          // 40, 44
    int yOffset, cy, cvr, cvg, cug, cub;        // 48..68
    unsigned long long dst;                     // 72: packed RGB output
    int dstPitch, first, count, glyphBase;      // 80, 84, 88, 92: figures [first, first + count), glyphs from glyphBase
};
static_assert(sizeof(OverlayFrame) == 96, "OverlayFrame must stay 96 bytes (OverlayGpu.FRAME_BYTES)");
static_assert(offsetof(OverlayFrame, width) == 40, "layout shared with OverlayGpu");
static_assert(offsetof(OverlayFrame, yOffset) == 48, "layout shared with OverlayGpu");
static_assert(offsetof(OverlayFrame, dst) == 72, "layout shared with OverlayGpu");
static_assert(offsetof(OverlayFrame, glyphBase) == 92, "layout shared with OverlayGpu");

enum FigureKind : int { FIG_OUTLINE = 1, FIG_LABEL = 2, FIG_SEGMENT = 3 };
constexpr int FIGURE_INTS = 8, GLYPH_W = 5, GLYPH_H = 7, ADVANCE = 6;

VAHOST_HD int iabs(int v) { return v < 0 ? -v : v; }

// Pixels moved along the shorter axis after i steps along the longer (dmaj > 0).
VAHOST_HD int bresenham_minor(int i, int dmaj, int dmin) {
    return (int)((2LL * dmin * i + dmaj) / (2LL * dmaj));
}

VAHOST_HD bool on_segment(const int* f, int x, int y) {
    const int x0 = f[2], y0 = f[3], x1 = f[4], y1 = f[5], t = f[6];
    const int dx = iabs(x1 - x0), dy = iabs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    if (dy > dx) {  // steep: one pixel per row, repeated at +1..t-1 in x
        const int j = (y - y0) * sy;
        if (j < 0 || j > dy) return false;
        const int k = x - (x0 + sx * bresenham_minor(j, dy, dx));
        return k >= 0 && k < t;
    }
    const int i = (x - x0) * sx;
    if (i < 0 || i > dx) return false;
    const int k = y - (dx == 0 ? y0 : y0 + sy * bresenham_minor(i, dx, dy));
    return k >= 0 && k < t;
}

// The colour of pixel (x, y) after the figures [first, first + count), or -1 when none covers it.
VAHOST_HD int overlay_colour(const int* figures, int first, int count, const uint8_t* glyphs, const uint8_t* font, int x, int y) {
    int colour = -1;
    for (int n = 0; n < count; n++) {
        const int* f = figures + (size_t)(first + n) * FIGURE_INTS;
        const int kind = f[0];
        if (kind == FIG_OUTLINE) {
            const int l = f[2], top = f[3], r = f[4], b = f[5], t = f[6];
            if (x >= l && x <= r && y >= top && y <= b && (x < l + t || x > r - t || y < top + t || y > b - t)) colour = f[1];
        } else if (kind == FIG_LABEL) {
            const int lx = x - f[2], ly = y - f[3], s = f[4], at = f[5], chars = f[6];
            if (lx < 0 || ly < 0 || lx >= (1 + ADVANCE * chars) * s || ly >= 9 * s) continue;
            colour = f[1];
            const int u = lx / s - 1, row = ly / s - 1;
            if (u < 0 || row < 0 || row >= GLYPH_H) continue;
            const int i = u / ADVANCE, c = u % ADVANCE;
            if (i >= chars || c >= GLYPH_W) continue;
            const int bits = load_u8(font + load_u8(glyphs + at + i) * GLYPH_W + c);
            if ((bits >> row) & 1) colour = 0x000000;
        } else if (kind == FIG_SEGMENT) {
            if (on_segment(f, x, y)) colour = f[1];
        }
    }
    return colour;
}

VAHOST_HD void overlay_pixel(const OverlayFrame& fr, const int* figures, const uint8_t* glyphs, const uint8_t* font, int x, int y) {
    const Source s{reinterpret_cast<const uint8_t*>(fr.plane0), reinterpret_cast<const uint8_t*>(fr.plane1),
                   reinterpret_cast<const uint8_t*>(fr.plane2), fr.pitch0, fr.pitch1, fr.pitch2, fr.format,
                   fr.yOffset, fr.cy, fr.cvr, fr.cvg, fr.cug, fr.cub};
    int r, g, b;
    const int c = overlay_colour(figures, fr.first, fr.count, glyphs + fr.glyphBase, font, x, y);
    if (c >= 0) {
        r = (c >> 16) & 255;
        g = (c >> 8) & 255;
        b = c & 255;
    } else {
        fetch_rgb(s, x, y, r, g, b);
    }
    uint8_t* o = reinterpret_cast<uint8_t*>(fr.dst) + (size_t)y * fr.dstPitch + (size_t)x * 3;
    o[0] = (uint8_t)r;
    o[1] = (uint8_t)g;
    o[2] = (uint8_t)b;
}

}  // namespace vahost_ops

using namespace vahost_ops;

// Launch geometry: block 32x8, one pixel per thread; grid (ceil(maxW/32), ceil(maxH/8), frames).
extern "C" __global__ void __launch_bounds__(256) overlay_rgb_u8(const OverlayFrame* __restrict__ frames,
                                                                 const int* __restrict__ figures,
                                                                 const uint8_t* __restrict__ glyphs,
                                                                 const uint8_t* __restrict__ font) {
    const OverlayFrame& fr = frames[blockIdx.z];
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= fr.width || y >= fr.height) return;
    overlay_pixel(fr, figures, glyphs, font, x, y);
}
