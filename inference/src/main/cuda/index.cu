// Indexing kernels of the inference engine (dev.vahost.inference.internal.ops.IndexOps):
// GatherElements, GatherND, ScatterElements, ScatterND, Pad, OneHot, Trilu, CumSum. (Gather is in
// glue.cu, TopK in topk.cu, GridSample in gridsample.cu.)
// Operands are row-major. Index operands are int32 (the engine's INT storage); a negative index
// counts from the end of its axis; an index still out of range reads 0 (gathers) or is skipped
// (scatters): the CPU reference refuses it instead. Kernels that only move elements are by element
// width (_b2: fp16, _b4: fp32 and int32) and copy bits as they are.
// Launch geometry: 1-D grid-stride loops, 256 threads per block, one thread per output element
// (per update for scatters, per column for CumSum); shape tables are int64 arrays uploaded with the
// plan. Index arithmetic is 32-bit when every address fits (INDEXED).
#include "common.cuh"

// Element access in the arithmetic type: float for float32/float16 storage, int for int32.
__device__ __forceinline__ float get(const float* p, i64 i) { return p[i]; }
__device__ __forceinline__ float get(const __half* p, i64 i) { return __half2float(p[i]); }
__device__ __forceinline__ int get(const int* p, i64 i) { return p[i]; }
__device__ __forceinline__ void put(float* p, i64 i, float v) { p[i] = v; }
__device__ __forceinline__ void put(__half* p, i64 i, float v) { p[i] = __float2half_rn(v); }
__device__ __forceinline__ void put(int* p, i64 i, int v) { p[i] = v; }

// GatherElements: y[i] = x[i with its coordinate on axis replaced by idx[i]]; y and idx share the
// shape; meta = yShape[rank], xStrides[rank].
template <typename I, typename U>
__device__ void gather_elements(const U* x, const int* idx, U* y, int rank, int axis, I n, I axisLen, const i64* meta) {
    GRID_STRIDE(i, n) {
        I rem = i, off = 0;
        bool ok = true;
        for (int d = rank - 1; d >= 0; --d) {
            I s = (I)meta[d];
            I q = rem / s, r = rem - q * s;
            rem = q;
            if (d == axis) {
                I v = (I)idx[i];
                if (v < 0) v += axisLen;
                ok = v >= 0 && v < axisLen;
                r = v;
            }
            off += r * (I)meta[rank + d];
        }
        y[i] = ok ? x[off] : (U)0;
    }
}
#define GATHER_ELEMENTS_ARGS int rank, int axis, i64 n, i64 axisLen, const i64* meta, i64 span
extern "C" __global__ void gather_elements_b2(const unsigned short* x, const int* idx, unsigned short* y, GATHER_ELEMENTS_ARGS) { INDEXED(span, gather_elements<I>(x, idx, y, rank, axis, (I)n, (I)axisLen, meta)); }
extern "C" __global__ void gather_elements_b4(const unsigned* x, const int* idx, unsigned* y, GATHER_ELEMENTS_ARGS) { INDEXED(span, gather_elements<I>(x, idx, y, rank, axis, (I)n, (I)axisLen, meta)); }

// ScatterElements (reduction none), after y = x: y[u with its coordinate on axis replaced by
// idx[u]] = upd[u] for each element u of the updates; meta = updShape[rank], yStrides[rank].
// Duplicate targets: one of the updates wins (unspecified which, as in ONNX).
template <typename I, typename U>
__device__ void scatter_elements(const U* upd, const int* idx, U* y, int rank, int axis, I n, I axisLen, const i64* meta) {
    GRID_STRIDE(i, n) {
        I rem = i, off = 0;
        bool ok = true;
        for (int d = rank - 1; d >= 0; --d) {
            I s = (I)meta[d];
            I q = rem / s, r = rem - q * s;
            rem = q;
            if (d == axis) {
                I v = (I)idx[i];
                if (v < 0) v += axisLen;
                ok = v >= 0 && v < axisLen;
                r = v;
            }
            off += r * (I)meta[rank + d];
        }
        if (ok) y[off] = upd[i];
    }
}
extern "C" __global__ void scatter_elements_b2(const unsigned short* upd, const int* idx, unsigned short* y, GATHER_ELEMENTS_ARGS) { INDEXED(span, scatter_elements<I>(upd, idx, y, rank, axis, (I)n, (I)axisLen, meta)); }
extern "C" __global__ void scatter_elements_b4(const unsigned* upd, const int* idx, unsigned* y, GATHER_ELEMENTS_ARGS) { INDEXED(span, scatter_elements<I>(upd, idx, y, rank, axis, (I)n, (I)axisLen, meta)); }

// GatherND: y[t, e] = x[batch(t) * batchStride + sum_j idx[t, j] * stride_j + e] over
// [tuples, slice], batch(t) = t / perBatch; meta = dims[m], strides[m] of the indexed axes.
template <typename I, typename U>
__device__ void gather_nd(const U* x, const int* idx, U* y, I n, I slice, I perBatch, I batchStride, int m, const i64* meta) {
    GRID_STRIDE(i, n) {
        I t = i / slice, e = i - t * slice;
        I off = (t / perBatch) * batchStride + e;
        bool ok = true;
        for (int j = 0; j < m; ++j) {
            I v = (I)idx[t * m + j], dim = (I)meta[j];
            if (v < 0) v += dim;
            ok = ok && v >= 0 && v < dim;
            off += v * (I)meta[m + j];
        }
        y[i] = ok ? x[off] : (U)0;
    }
}
#define GATHER_ND_ARGS i64 n, i64 slice, i64 perBatch, i64 batchStride, int m, const i64* meta, i64 span
extern "C" __global__ void gather_nd_b2(const unsigned short* x, const int* idx, unsigned short* y, GATHER_ND_ARGS) { INDEXED(span, gather_nd<I>(x, idx, y, (I)n, (I)slice, (I)perBatch, (I)batchStride, m, meta)); }
extern "C" __global__ void gather_nd_b4(const unsigned* x, const int* idx, unsigned* y, GATHER_ND_ARGS) { INDEXED(span, gather_nd<I>(x, idx, y, (I)n, (I)slice, (I)perBatch, (I)batchStride, m, meta)); }

// ScatterND (reduction none), after y = x: y[sum_j idx[t, j] * stride_j + e] = upd[t, e] over
// [tuples, slice]; meta = dims[m], strides[m].
template <typename I, typename U>
__device__ void scatter_nd(const U* upd, const int* idx, U* y, I n, I slice, int m, const i64* meta) {
    GRID_STRIDE(i, n) {
        I t = i / slice, e = i - t * slice;
        I off = e;
        bool ok = true;
        for (int j = 0; j < m; ++j) {
            I v = (I)idx[t * m + j], dim = (I)meta[j];
            if (v < 0) v += dim;
            ok = ok && v >= 0 && v < dim;
            off += v * (I)meta[m + j];
        }
        if (ok) y[off] = upd[i];
    }
}
#define SCATTER_ND_ARGS i64 n, i64 slice, int m, const i64* meta, i64 span
extern "C" __global__ void scatter_nd_b2(const unsigned short* upd, const int* idx, unsigned short* y, SCATTER_ND_ARGS) { INDEXED(span, scatter_nd<I>(upd, idx, y, (I)n, (I)slice, m, meta)); }
extern "C" __global__ void scatter_nd_b4(const unsigned* upd, const int* idx, unsigned* y, SCATTER_ND_ARGS) { INDEXED(span, scatter_nd<I>(upd, idx, y, (I)n, (I)slice, m, meta)); }

// Pad: each output element from its source element or the constant. Per dimension d (meta, 5 rows
// of rank): output size, extent of the input kept after cropping (negative pads), begin pad, crop
// at the begin, input stride. Modes: 0 constant, 1 edge, 2 reflect, 3 wrap.
template <typename I, typename T, typename V>
__device__ void pad_nd(const T* x, T* y, int rank, I n, const i64* meta, int mode, V value) {
    GRID_STRIDE(i, n) {
        I rem = i, off = 0;
        bool inside = true;
        for (int d = rank - 1; d >= 0; --d) {
            I size = (I)meta[d];
            I q = rem / size, o = rem - q * size;
            rem = q;
            I ext = (I)meta[rank + d];
            I s = o - (I)meta[2 * rank + d];
            if (mode == 0) {
                if (s < 0 || s >= ext) { inside = false; break; }
            } else if (mode == 1) {
                s = s < 0 ? 0 : (s >= ext ? ext - 1 : s);
            } else if (mode == 2) {
                if (ext == 1) {
                    s = 0;
                } else {
                    I period = 2 * (ext - 1);
                    s %= period;
                    if (s < 0) s += period;
                    if (s >= ext) s = period - s;
                }
            } else {
                s %= ext;
                if (s < 0) s += ext;
            }
            off += (s + (I)meta[3 * rank + d]) * (I)meta[4 * rank + d];
        }
        put(y, (i64)i, inside ? get(x, (i64)off) : value);
    }
}
#define PAD_ARGS int rank, i64 n, const i64* meta, int mode
extern "C" __global__ void pad_f32(const float* x, float* y, PAD_ARGS, float value, i64 span) { INDEXED(span, pad_nd<I>(x, y, rank, (I)n, meta, mode, value)); }
extern "C" __global__ void pad_f16(const __half* x, __half* y, PAD_ARGS, float value, i64 span) { INDEXED(span, pad_nd<I>(x, y, rank, (I)n, meta, mode, value)); }
extern "C" __global__ void pad_i32(const int* x, int* y, PAD_ARGS, int value, i64 span) { INDEXED(span, pad_nd<I>(x, y, rank, (I)n, meta, mode, value)); }

// OneHot over [outer, depth, inner]: y = on where idx[outer, inner] (negative: + depth) equals the
// depth position, else off.
template <typename I, typename T, typename V>
__device__ void one_hot(const int* idx, T* y, I outer, I depth, I inner, V off, V on) {
    const I n = outer * depth * inner;
    GRID_STRIDE(i, n) {
        I in = i % inner, t = i / inner;
        I d = t % depth, o = t / depth;
        I v = (I)idx[o * inner + in];
        if (v < 0) v += depth;
        put(y, (i64)i, v == d ? on : off);
    }
}
#define ONE_HOT_ARGS i64 outer, i64 depth, i64 inner
extern "C" __global__ void one_hot_f32(const int* idx, float* y, ONE_HOT_ARGS, float off, float on) { INDEXED(outer * depth * inner, one_hot<I>(idx, y, (I)outer, (I)depth, (I)inner, off, on)); }
extern "C" __global__ void one_hot_f16(const int* idx, __half* y, ONE_HOT_ARGS, float off, float on) { INDEXED(outer * depth * inner, one_hot<I>(idx, y, (I)outer, (I)depth, (I)inner, off, on)); }
extern "C" __global__ void one_hot_i32(const int* idx, int* y, ONE_HOT_ARGS, int off, int on) { INDEXED(outer * depth * inner, one_hot<I>(idx, y, (I)outer, (I)depth, (I)inner, off, on)); }

// Trilu over matrices [.., rows, cols]: keeps x where col - row >= k (upper) or <= k (lower),
// else 0 (all-zero bits: +0 in float16/32, 0 in int32).
template <typename I, typename U>
__device__ void trilu(const U* x, U* y, I n, I rows, I cols, i64 k, int upper) {
    GRID_STRIDE(i, n) {
        I t = i / cols;
        i64 c = (i64)(i - t * cols), r = (i64)(t % rows);
        bool keep = upper ? (c - r >= k) : (c - r <= k);
        y[i] = keep ? x[i] : (U)0;
    }
}
#define TRILU_ARGS i64 n, i64 rows, i64 cols, i64 k, int upper
extern "C" __global__ void trilu_b2(const unsigned short* x, unsigned short* y, TRILU_ARGS) { INDEXED(n, trilu<I>(x, y, (I)n, (I)rows, (I)cols, k, upper)); }
extern "C" __global__ void trilu_b4(const unsigned* x, unsigned* y, TRILU_ARGS) { INDEXED(n, trilu<I>(x, y, (I)n, (I)rows, (I)cols, k, upper)); }

// CumSum along the middle axis of [outer, len, inner]: one thread per (outer, inner) column walks
// the axis (forward or reverse), float32 sums (int32 for integers); exclusive: the element itself
// is left out of its sum. Consecutive threads take adjacent columns (coalesced when inner > 1).
template <typename I, typename T, typename A>
__device__ void cumsum(const T* x, T* y, I outer, I len, I inner, int exclusive, int reverse) {
    const I n = outer * inner;
    GRID_STRIDE(i, n) {
        I o = i / inner, in = i - o * inner;
        I base = o * len * inner + in;
        A sum = 0;
        for (I a = 0; a < len; ++a) {
            I j = reverse ? len - 1 - a : a;
            A v = get(x, (i64)(base + j * inner));
            if (exclusive) {
                put(y, (i64)(base + j * inner), sum);
                sum += v;
            } else {
                sum += v;
                put(y, (i64)(base + j * inner), sum);
            }
        }
    }
}
#define CUMSUM_ARGS i64 outer, i64 len, i64 inner, int exclusive, int reverse
extern "C" __global__ void cumsum_f32(const float* x, float* y, CUMSUM_ARGS) { INDEXED(outer * len * inner, cumsum<I, float, float>(x, y, (I)outer, (I)len, (I)inner, exclusive, reverse)); }
extern "C" __global__ void cumsum_f16(const __half* x, __half* y, CUMSUM_ARGS) { INDEXED(outer * len * inner, cumsum<I, __half, float>(x, y, (I)outer, (I)len, (I)inner, exclusive, reverse)); }
extern "C" __global__ void cumsum_i32(const int* x, int* y, CUMSUM_ARGS) { INDEXED(outer * len * inner, cumsum<I, int, int>(x, y, (I)outer, (I)len, (I)inner, exclusive, reverse)); }
