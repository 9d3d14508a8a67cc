// Pixelates boxes in place in NV12 frames: each box is cut into cell x cell squares (clipped at the
// box's edge) and every pixel of a square gets the square's mean, rounded half up; the chroma plane
// gets the same over the half-size squares, U and V apart. The host aligns boxes to even pixels,
// so a luma square maps onto whole chroma samples.
//
// One thread block per frame: its boxes are done one after another (__syncthreads between them), so
// overlapping boxes give the same result as the CPU reference applying them in order. The block's
// threads share a box's squares (disjoint, so no two threads write one pixel).
#include <stdint.h>

struct FrameEntry {     // 32 bytes, as PixelateStage writes it
    uint64_t y, uv;     // plane addresses
    int32_t pitch_y, pitch_uv;
    int32_t first, count; // this frame's boxes in the box table
};

struct Box {            // 16 bytes: x0, y0 even; x1, y1 even, exclusive
    int32_t x0, y0, x1, y1;
};

extern "C" __global__ void pixelate_boxes_nv12(const FrameEntry* frames, const Box* boxes, int cell) {
    const FrameEntry f = frames[blockIdx.x];
    for (int b = 0; b < f.count; ++b) {
        const Box bx = boxes[f.first + b];
        const int cells_x = (bx.x1 - bx.x0 + cell - 1) / cell, cells_y = (bx.y1 - bx.y0 + cell - 1) / cell;
        for (int c = threadIdx.x; c < cells_x * cells_y; c += blockDim.x) {
            const int x0 = bx.x0 + (c % cells_x) * cell, y0 = bx.y0 + (c / cells_x) * cell;
            const int x1 = min(x0 + cell, bx.x1), y1 = min(y0 + cell, bx.y1);
            uint8_t* Y = reinterpret_cast<uint8_t*>(f.y);
            uint32_t sum = 0;
            for (int y = y0; y < y1; ++y)
                for (int x = x0; x < x1; ++x) sum += Y[(size_t)y * f.pitch_y + x];
            const uint32_t n = (uint32_t)((x1 - x0) * (y1 - y0));
            const uint8_t mean = (uint8_t)((sum + n / 2) / n);
            for (int y = y0; y < y1; ++y)
                for (int x = x0; x < x1; ++x) Y[(size_t)y * f.pitch_y + x] = mean;
            // Chroma: samples x0/2 .. x1/2 of rows y0/2 .. y1/2, interleaved U, V.
            uint8_t* UV = reinterpret_cast<uint8_t*>(f.uv);
            uint32_t su = 0, sv = 0;
            for (int y = y0 / 2; y < y1 / 2; ++y)
                for (int x = x0 / 2; x < x1 / 2; ++x) {
                    su += UV[(size_t)y * f.pitch_uv + 2 * x];
                    sv += UV[(size_t)y * f.pitch_uv + 2 * x + 1];
                }
            const uint32_t m = (uint32_t)((x1 / 2 - x0 / 2) * (y1 / 2 - y0 / 2));
            const uint8_t mu = (uint8_t)((su + m / 2) / m), mv = (uint8_t)((sv + m / 2) / m);
            for (int y = y0 / 2; y < y1 / 2; ++y)
                for (int x = x0 / 2; x < x1 / 2; ++x) {
                    UV[(size_t)y * f.pitch_uv + 2 * x] = mu;
                    UV[(size_t)y * f.pitch_uv + 2 * x + 1] = mv;
                }
        }
        __syncthreads(); // the next box may overlap this one
    }
}
