// Reductions and the normalisations built on them (internal.ops.ReduceOps, NormOps).
// Storage float32 or float16 (suffix _f32 / _f16); every sum, mean, variance and norm accumulates
// in float32, also in fp16 engines (a row mean of an fp16 LayerNorm in fp16 arithmetic is the
// classic DETR accuracy trap).
//
// A reduction works on the input seen as [outer, len, inner] (the engine permutes first when the
// reduced axes are not adjacent in storage) and writes [outer, inner]. By shape:
//   reduce_serial      len <= 16: one thread per output, grid-stride (adjacent threads read
//                      adjacent inner elements: coalesced when inner > 1)
//   reduce_rows_warp   inner == 1, len < 2048: one warp per row, 8 rows per 256-thread block,
//                      lanes stride the row (coalesced), shuffles combine
//   reduce_rows_block  inner == 1, long rows (SE blocks' and GlobalAveragePool's H*W, reduce-all):
//                      one 256-thread block per row, warp shuffles then shared memory
//   reduce_cols        inner > 1 (NHWC GlobalAveragePool: [N, H*W, C]): blocks of 32 x 8 threads,
//                      the 32 x-threads take 32 adjacent columns (coalesced), the 8 y-threads split
//                      the reduced axis; shared memory combines the 8 partial values per column
// When those two would launch fewer than 256 blocks (small batches, NHWC maps of few channels),
// the engine splits the reduced axis over gridDim.y (about 1024 blocks in all) and a second
// kernel, reduce_partials, combines the float32 partials from scratch.
// Grids are capped by the engine at 2^20 blocks; every kernel loops over the rest.
#include "common.cuh"

// Reduction codes: ReduceOps.Kind.
#define R_SUM 0
#define R_MEAN 1
#define R_MAX 2
#define R_MIN 3
#define R_PROD 4
#define R_L1 5
#define R_L2 6
#define R_SUMSQ 7
#define R_LSE 8

__device__ __forceinline__ float r_identity(int op) {
    return op == R_MAX ? -INFINITY : (op == R_MIN ? INFINITY : (op == R_PROD ? 1.f : 0.f));
}

// The per-element term: |x| (L1), x^2 (L2, sum of squares), exp(x - max) (log-sum-exp), else x.
__device__ __forceinline__ float r_map(int op, float v, float shift) {
    switch (op) {
        case R_L1: return fabsf(v);
        case R_L2:
        case R_SUMSQ: return v * v;
        case R_LSE: return expf(v - shift);
        default: return v;
    }
}

// Combines two partial results; Max and Min propagate NaN from either side.
__device__ __forceinline__ float r_join(int op, float a, float b) {
    switch (op) {
        case R_MAX: return (a > b || a != a) ? a : b;
        case R_MIN: return (a < b || a != a) ? a : b;
        case R_PROD: return a * b;
        default: return a + b;
    }
}

__device__ __forceinline__ float r_finish(int op, float a, int len, float shift) {
    switch (op) {
        case R_MEAN: return a / (float)len;
        case R_L2: return sqrtf(a);
        case R_LSE: return isinf(shift) ? shift : shift + logf(a); // all -inf: -inf; any +inf: +inf
        default: return a;
    }
}

// Butterfly over the 32 lanes: every lane ends with the warp's result. The caller's loop bounds
// must be uniform per warp (full mask).
__device__ __forceinline__ float warp_join(int op, float v) {
    #pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = r_join(op, v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// The block's result in every thread (blockDim.x a multiple of 32, at most 1024). sh: 33 floats,
// reusable right after the call (the last barrier protects it).
__device__ float block_join(int op, float v, float* sh) {
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_join(op, v);
    if (lane == 0) sh[w] = v;
    __syncthreads();
    if (w == 0) {
        float t = lane < nw ? sh[lane] : r_identity(op);
        t = warp_join(op, t);
        if (lane == 0) sh[32] = t;
    }
    __syncthreads();
    const float r = sh[32];
    __syncthreads();
    return r;
}

// The column's result (8 y-threads) in every thread of the column; blockDim = (32, 8).
__device__ float cols_join(int op, float v, float (*sh)[33]) {
    sh[threadIdx.y][threadIdx.x] = v;
    __syncthreads();
    if (threadIdx.y == 0) {
        #pragma unroll
        for (int k = 1; k < 8; ++k) v = r_join(op, v, sh[k][threadIdx.x]);
        sh[0][threadIdx.x] = v;
    }
    __syncthreads();
    v = sh[0][threadIdx.x];
    __syncthreads();
    return v;
}

// ------------------------------------------------------------------------------------------------
// Reductions

template <typename I, typename T>
__device__ void reduce_serial(const T* x, T* y, I outer, int len, I inner, int op) {
    const I n = outer * inner;
    GRID_STRIDE(i, n) {
        const I o = i / inner, k = i - o * inner;
        const T* xc = x + o * (I)len * inner + k;
        float shift = 0.f;
        if (op == R_LSE) {
            float m = -INFINITY;
            for (int a = 0; a < len; ++a) m = r_join(R_MAX, m, ld(xc, (I)a * inner));
            shift = m;
        }
        float acc = r_identity(op);
        for (int a = 0; a < len; ++a) acc = r_join(op, acc, r_map(op, ld(xc, (I)a * inner), shift));
        st(y, i, r_finish(op, acc, len, shift));
    }
}
#define REDUCE_ARGS i64 outer, int len, i64 inner, int op
extern "C" __global__ void reduce_serial_f32(const float* x, float* y, REDUCE_ARGS) { INDEXED(outer * len * inner, reduce_serial<I>(x, y, (I)outer, len, (I)inner, op)); }
extern "C" __global__ void reduce_serial_f16(const __half* x, __half* y, REDUCE_ARGS) { INDEXED(outer * len * inner, reduce_serial<I>(x, y, (I)outer, len, (I)inner, op)); }

template <typename T>
__device__ void reduce_rows_warp(const T* x, T* y, i64 rows, int len, int op) {
    const int lane = threadIdx.x & 31;
    const i64 warps = (i64)gridDim.x * (blockDim.x >> 5);
    for (i64 row = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps) {
        const T* xr = x + row * len;
        float shift = 0.f;
        if (op == R_LSE) {
            float m = -INFINITY;
            for (int a = lane; a < len; a += 32) m = r_join(R_MAX, m, ld(xr, a));
            shift = warp_join(R_MAX, m);
        }
        float acc = r_identity(op);
        #pragma unroll 4
        for (int a = lane; a < len; a += 32) acc = r_join(op, acc, r_map(op, ld(xr, a), shift));
        acc = warp_join(op, acc);
        if (lane == 0) st(y, row, r_finish(op, acc, len, shift));
    }
}
extern "C" __global__ void reduce_rows_warp_f32(const float* x, float* y, i64 rows, int len, int op) { reduce_rows_warp(x, y, rows, len, op); }
extern "C" __global__ void reduce_rows_warp_f16(const __half* x, __half* y, i64 rows, int len, int op) { reduce_rows_warp(x, y, rows, len, op); }

// gridDim.y > 1 splits each row into gridDim.y chunks: block (x, y) reduces chunk y and writes
// the unfinished float partial to part[row * gridDim.y + y] (reduce_partials finishes); LSE never splits.
template <typename T>
__device__ void reduce_rows_block(const T* x, T* y, float* part, i64 rows, int len, int op) {
    __shared__ float sh[33];
    const int chunk = (len + gridDim.y - 1) / gridDim.y, a0 = blockIdx.y * chunk, a1 = min(len, a0 + chunk);
    for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
        const T* xr = x + row * len;
        float shift = 0.f;
        if (op == R_LSE) {
            float m = -INFINITY;
            for (int a = a0 + threadIdx.x; a < a1; a += blockDim.x) m = r_join(R_MAX, m, ld(xr, a));
            shift = block_join(R_MAX, m, sh);
        }
        float acc = r_identity(op);
        #pragma unroll 4
        for (int a = a0 + threadIdx.x; a < a1; a += blockDim.x) acc = r_join(op, acc, r_map(op, ld(xr, a), shift));
        acc = block_join(op, acc, sh);
        if (threadIdx.x == 0) {
            if (part) part[row * gridDim.y + blockIdx.y] = acc;
            else st(y, row, r_finish(op, acc, len, shift));
        }
    }
}
extern "C" __global__ void reduce_rows_block_f32(const float* x, float* y, float* part, i64 rows, int len, int op) { reduce_rows_block(x, y, part, rows, len, op); }
extern "C" __global__ void reduce_rows_block_f16(const __half* x, __half* y, float* part, i64 rows, int len, int op) { reduce_rows_block(x, y, part, rows, len, op); }

// gridDim.y > 1 splits the reduced axis into gridDim.y chunks, as reduce_rows_block; partials go to
// part[(o * gridDim.y + y) * inner + col].
template <typename T>
__device__ void reduce_cols(const T* x, T* y, float* part, i64 outer, int len, i64 inner, int op) {
    __shared__ float sh[8][33];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int chunk = (len + gridDim.y - 1) / gridDim.y, a0 = blockIdx.y * chunk, a1 = min(len, a0 + chunk);
    const i64 tiles = (inner + 31) >> 5;
    for (i64 t = blockIdx.x; t < outer * tiles; t += gridDim.x) {
        const i64 o = t / tiles, col = (t - o * tiles) * 32 + tx;
        const bool live = col < inner;
        const T* xc = x + o * (i64)len * inner + (live ? col : 0);
        float shift = 0.f;
        if (op == R_LSE) {
            float m = -INFINITY;
            if (live) for (int a = a0 + ty; a < a1; a += 8) m = r_join(R_MAX, m, ld(xc, (i64)a * inner));
            shift = cols_join(R_MAX, m, sh);
        }
        float acc = r_identity(op);
        if (live) {
            #pragma unroll 4
            for (int a = a0 + ty; a < a1; a += 8) acc = r_join(op, acc, r_map(op, ld(xc, (i64)a * inner), shift));
        }
        acc = cols_join(op, acc, sh);
        if (live && ty == 0) {
            if (part) part[(o * gridDim.y + blockIdx.y) * inner + col] = acc;
            else st(y, o * inner + col, r_finish(op, acc, len, shift));
        }
    }
}
extern "C" __global__ void reduce_cols_f32(const float* x, float* y, float* part, REDUCE_ARGS) { reduce_cols(x, y, part, outer, len, inner, op); }
extern "C" __global__ void reduce_cols_f16(const __half* x, __half* y, float* part, REDUCE_ARGS) { reduce_cols(x, y, part, outer, len, inner, op); }

// The second pass of a split reduction: y[o, i] = finish(join_s part[o, s, i]) over [outer, splits,
// inner] float partials; one thread per output.
template <typename I, typename T>
__device__ void reduce_partials(const float* part, T* y, I outer, int splits, I inner, int len, int op) {
    const I n = outer * inner;
    GRID_STRIDE(i, n) {
        const I o = i / inner, k = i - o * inner;
        float acc = r_identity(op);
        for (int s = 0; s < splits; ++s) acc = r_join(op, acc, part[(o * splits + s) * inner + k]);
        st(y, i, r_finish(op, acc, len, 0.f));
    }
}
#define PARTIALS_ARGS i64 outer, int splits, i64 inner, int len, int op
extern "C" __global__ void reduce_partials_f32(const float* part, float* y, PARTIALS_ARGS) { INDEXED(outer * splits * inner, reduce_partials<I>(part, y, (I)outer, splits, (I)inner, len, op)); }
extern "C" __global__ void reduce_partials_f16(const float* part, __half* y, PARTIALS_ARGS) { INDEXED(outer * splits * inner, reduce_partials<I>(part, y, (I)outer, splits, (I)inner, len, op)); }

// ------------------------------------------------------------------------------------------------
// ArgMax / ArgMin: int32 index along the reduced axis. (v, i) beats the best (bv, bi) when it is
// more extreme, or equal with a smaller index (a larger one with select_last_index); bi < 0: none
// yet. As a total order on (value, index) this combines in any order, so lanes may scan strided
// subsets and meet in a butterfly. NaN compares false: a NaN seen first stays (like a plain scan).

__device__ __forceinline__ bool arg_better(float v, int i, float bv, int bi, int isMin, int last) {
    if (bi < 0) return true;
    if (isMin ? v < bv : v > bv) return true;
    return v == bv && (last ? i > bi : i < bi);
}

template <typename I, typename T>
__device__ void arg_serial(const T* x, int* y, I outer, int len, I inner, int isMin, int last) {
    const I n = outer * inner;
    GRID_STRIDE(i, n) {
        const I o = i / inner, k = i - o * inner;
        const T* xc = x + o * (I)len * inner + k;
        float bv = 0.f;
        int bi = -1;
        for (int a = 0; a < len; ++a) {
            const float v = ld(xc, (I)a * inner);
            if (arg_better(v, a, bv, bi, isMin, last)) { bv = v; bi = a; }
        }
        y[i] = bi < 0 ? 0 : bi;
    }
}
#define ARG_ARGS i64 outer, int len, i64 inner, int isMin, int last
extern "C" __global__ void arg_serial_f32(const float* x, int* y, ARG_ARGS) { INDEXED(outer * len * inner, arg_serial<I>(x, y, (I)outer, len, (I)inner, isMin, last)); }
extern "C" __global__ void arg_serial_f16(const __half* x, int* y, ARG_ARGS) { INDEXED(outer * len * inner, arg_serial<I>(x, y, (I)outer, len, (I)inner, isMin, last)); }

// Contiguous rows (inner == 1): one warp per row, 8 per 256-thread block.
template <typename T>
__device__ void arg_rows(const T* x, int* y, i64 rows, int len, int isMin, int last) {
    const int lane = threadIdx.x & 31;
    const i64 warps = (i64)gridDim.x * (blockDim.x >> 5);
    for (i64 row = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps) {
        const T* xr = x + row * len;
        float bv = 0.f;
        int bi = -1;
        for (int a = lane; a < len; a += 32) {
            const float v = ld(xr, a);
            if (arg_better(v, a, bv, bi, isMin, last)) { bv = v; bi = a; }
        }
        #pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
            const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
            if (oi >= 0 && arg_better(ov, oi, bv, bi, isMin, last)) { bv = ov; bi = oi; }
        }
        if (lane == 0) y[row] = bi < 0 ? 0 : bi;
    }
}
extern "C" __global__ void arg_rows_f32(const float* x, int* y, i64 rows, int len, int isMin, int last) { arg_rows(x, y, rows, len, isMin, last); }
extern "C" __global__ void arg_rows_f16(const __half* x, int* y, i64 rows, int len, int isMin, int last) { arg_rows(x, y, rows, len, isMin, last); }

// ------------------------------------------------------------------------------------------------
// Normalisation of rows (NormOps): y = (x - mean) / sqrt(var + eps) * gamma[c] + beta[c] over each
// row of [rows, len], mean and (biased) variance of the row in float32, two passes (the variance
// as the mean of squared deviations, not E[x^2] - mean^2). The channel of (row, col) is
// c = (row % groups) * cpg + col / inner: LayerNormalization (groups 1, cpg len, inner 1),
// InstanceNormalization (groups C, cpg 1, inner H*W), GroupNormalization (groups G, cpg C/G,
// inner H*W). gamma and beta are float32 per channel; beta may be null.
//   norm_rows_warp   len <= 2048 (transformer hidden sizes): one warp per row, 8 per block
//   norm_rows_block  longer rows (instance and group norms of feature maps): one 256-thread block per row

template <typename T>
__device__ void norm_rows_warp(const T* x, T* y, i64 rows, int len, int groups, int cpg, int inner,
                               const float* gamma, const float* beta, float eps) {
    const int lane = threadIdx.x & 31;
    const i64 warps = (i64)gridDim.x * (blockDim.x >> 5);
    for (i64 row = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps) {
        const T* xr = x + row * len;
        T* yr = y + row * len;
        float s = 0.f;
        for (int a = lane; a < len; a += 32) s += ld(xr, a);
        const float mean = warp_join(R_SUM, s) / (float)len;
        float q = 0.f;
        for (int a = lane; a < len; a += 32) { const float d = ld(xr, a) - mean; q += d * d; }
        const float rstd = rsqrtf(warp_join(R_SUM, q) / (float)len + eps);
        const int c0 = (int)(row % groups) * cpg;
        for (int a = lane; a < len; a += 32) {
            const int c = c0 + a / inner;
            st(yr, a, (ld(xr, a) - mean) * rstd * gamma[c] + (beta ? beta[c] : 0.f));
        }
    }
}
#define NORM_ARGS i64 rows, int len, int groups, int cpg, int inner, const float* gamma, const float* beta, float eps
extern "C" __global__ void norm_rows_warp_f32(const float* x, float* y, NORM_ARGS) { norm_rows_warp(x, y, rows, len, groups, cpg, inner, gamma, beta, eps); }
extern "C" __global__ void norm_rows_warp_f16(const __half* x, __half* y, NORM_ARGS) { norm_rows_warp(x, y, rows, len, groups, cpg, inner, gamma, beta, eps); }

template <typename T>
__device__ void norm_rows_block(const T* x, T* y, i64 rows, int len, int groups, int cpg, int inner,
                                const float* gamma, const float* beta, float eps) {
    __shared__ float sh[33];
    for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
        const T* xr = x + row * len;
        T* yr = y + row * len;
        float s = 0.f;
        for (int a = threadIdx.x; a < len; a += blockDim.x) s += ld(xr, a);
        const float mean = block_join(R_SUM, s, sh) / (float)len;
        float q = 0.f;
        for (int a = threadIdx.x; a < len; a += blockDim.x) { const float d = ld(xr, a) - mean; q += d * d; }
        const float rstd = rsqrtf(block_join(R_SUM, q, sh) / (float)len + eps);
        const int c0 = (int)(row % groups) * cpg;
        for (int a = threadIdx.x; a < len; a += blockDim.x) {
            const int c = c0 + a / inner;
            st(yr, a, (ld(xr, a) - mean) * rstd * gamma[c] + (beta ? beta[c] : 0.f));
        }
    }
}
extern "C" __global__ void norm_rows_block_f32(const float* x, float* y, NORM_ARGS) { norm_rows_block(x, y, rows, len, groups, cpg, inner, gamma, beta, eps); }
extern "C" __global__ void norm_rows_block_f16(const __half* x, __half* y, NORM_ARGS) { norm_rows_block(x, y, rows, len, groups, cpg, inner, gamma, beta, eps); }

// LpNormalization over the middle axis of [outer, len, inner]: y = x / ||x||_p (p = 1 or 2), 0 where
// the norm is 0 (onnxruntime). One thread per (outer, inner) column, adjacent threads on adjacent
// columns.
template <typename I, typename T>
__device__ void lp_norm(const T* x, T* y, I outer, int len, I inner, int p) {
    const I n = outer * inner;
    GRID_STRIDE(i, n) {
        const I o = i / inner, k = i - o * inner;
        const I base = o * (I)len * inner + k;
        float acc = 0.f;
        for (int a = 0; a < len; ++a) {
            const float v = ld(x, base + (I)a * inner);
            acc += p == 1 ? fabsf(v) : v * v;
        }
        const float norm = p == 1 ? acc : sqrtf(acc);
        const float inv = norm != 0.f ? 1.f / norm : 0.f;
        for (int a = 0; a < len; ++a) st(y, base + (I)a * inner, ld(x, base + (I)a * inner) * inv);
    }
}
#define LP_ARGS i64 outer, int len, i64 inner, int p
extern "C" __global__ void lp_norm_f32(const float* x, float* y, LP_ARGS) { INDEXED(outer * len * inner, lp_norm<I>(x, y, (I)outer, len, (I)inner, p)); }
extern "C" __global__ void lp_norm_f16(const __half* x, __half* y, LP_ARGS) { INDEXED(outer * len * inner, lp_norm<I>(x, y, (I)outer, len, (I)inner, p)); }
