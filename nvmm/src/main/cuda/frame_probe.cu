// Small kernels the nvmm module uses to prove that mapped decoder frames are usable device memory:
// the "trivial kernel per frame" of the decode benchmark and the GPU tests. The real preprocessing
// lives in the ops module.
#include <stdint.h>

// NV12 (BT.601 limited) -> planar RGB float [3][outH][outW], nearest-neighbour sampling.
// One thread per output pixel; 32x8 blocks keep a warp on one output row for coalesced stores.
extern "C" __global__ void nv12_to_rgb_f32_nearest(const uint8_t* __restrict__ y, const uint8_t* __restrict__ uv,
                                                   int pitch, int width, int height,
                                                   float* __restrict__ out, int outW, int outH) {
    int ox = blockIdx.x * blockDim.x + threadIdx.x;
    int oy = blockIdx.y * blockDim.y + threadIdx.y;
    if (ox >= outW || oy >= outH) return;
    int sx = min(width - 1, (int)((ox + 0.5f) * width / outW));
    int sy = min(height - 1, (int)((oy + 0.5f) * height / outH));
    float Y = (float)y[(size_t)sy * pitch + sx] - 16.f;
    const uint8_t* c = uv + (size_t)(sy >> 1) * pitch + (sx & ~1);
    float U = (float)c[0] - 128.f, V = (float)c[1] - 128.f;
    float r = 1.164f * Y + 1.596f * V;
    float g = 1.164f * Y - 0.392f * U - 0.813f * V;
    float b = 1.164f * Y + 2.017f * U;
    size_t plane = (size_t)outW * outH, o = (size_t)oy * outW + ox;
    out[o] = fminf(fmaxf(r, 0.f), 255.f);
    out[plane + o] = fminf(fmaxf(g, 0.f), 255.f);
    out[2 * plane + o] = fminf(fmaxf(b, 0.f), 255.f);
}

// Sum of every byte of a pitched plane into *sum (64-bit atomics): a checksum of a frame that
// the tests compare with the same sum over the CPU decoder's output.
extern "C" __global__ void plane_sum_u8(const uint8_t* __restrict__ p, int pitch, int rowBytes, int rows,
                                        unsigned long long* sum) {
    unsigned long long local = 0;
    for (int r = blockIdx.y; r < rows; r += gridDim.y) {
        const uint8_t* row = p + (size_t)r * pitch;
        for (int x = blockIdx.x * blockDim.x + threadIdx.x; x < rowBytes; x += gridDim.x * blockDim.x) local += row[x];
    }
    // warp reduce, then one atomic per warp
    for (int o = 16; o > 0; o >>= 1) local += __shfl_down_sync(0xffffffffu, local, o);
    if ((threadIdx.x & 31) == 0 && local) atomicAdd(sum, local);
}
