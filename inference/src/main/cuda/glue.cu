// Glue kernels of the inference engine: everything between cuDNN convolutions and cuBLAS GEMMs.
// Storage is float32 or float16 (suffix _f32 / _f16); arithmetic is float32 throughout, so f16
// models lose precision only at stores. Index tables (strides of copies and broadcasts) live in
// device memory, uploaded once per plan by GpuEngine; launches only pass pointers and counts.
// Grid geometry: 1-D grid-stride loops, 256 threads per block (full occupancy on sm_75..sm_90 for
// these register-light kernels); the engine caps the grid at 2^20 blocks and lets threads loop.
// Index arithmetic is 32-bit whenever the element count allows (INDEXED dispatches): a 64-bit
// division costs several times the memory time of an fp16 element on Hopper.
// Layouts: a value is NCHW or NHWC (dev.vahost.inference.internal.Layouts). Elementwise kernels do
// not care; per-channel ones take the channel's stride ("plane": H*W for NCHW, 1 for NHWC); copies
// and broadcasts take element strides; max pooling and resize have an NHWC variant each.
#include "common.cuh"

// y[i] = act(y[i] + bias[c]) in place after a convolution; c = (i / plane) % channels (plane = H*W
// for NCHW, 1 for NHWC).
template <typename I, typename T>
__device__ void bias_act(T* y, const float* bias, I plane, int channels, I n, int a, float alpha, float beta) {
    GRID_STRIDE(i, n) {
        float v = ld(y, i);
        if (bias) v += bias[(i / plane) % channels];
        st(y, i, act(v, a, alpha, beta));
    }
}
extern "C" __global__ void bias_act_f32(float* y, const float* bias, i64 plane, int channels, i64 n, int a, float alpha, float beta) { INDEXED(n, bias_act<I>(y, bias, (I)plane, channels, (I)n, a, alpha, beta)); }
extern "C" __global__ void bias_act_f16(__half* y, const float* bias, i64 plane, int channels, i64 n, int a, float alpha, float beta) { INDEXED(n, bias_act<I>(y, bias, (I)plane, channels, (I)n, a, alpha, beta)); }

// NHWC fp16, contiguous pixels of channels >= 8 (any number: YOLOv5's 255-channel head too), elements % 8 == 0
// and 16-byte aligned y: eight elements per thread, one 16-byte load and store; the channel of each wraps at
// most once within the eight. n8 = elements / 8.
extern "C" __global__ void bias_act_nhwc8_f16(__half* y, const float* bias, int channels, i64 n8, int a, float alpha, float beta) {
    INDEXED(n8 * 8, {
        uint4* v = reinterpret_cast<uint4*>(y);
        GRID_STRIDE(i, (I)n8) {
            uint4 q = v[i];
            __half2* h = reinterpret_cast<__half2*>(&q);
            int c = (int)((i * 8) % channels);
            #pragma unroll
            for (int k = 0; k < 4; ++k) {
                float2 f = __half22float2(h[k]);
                if (bias) {
                    int c0 = c + 2 * k, c1 = c0 + 1;
                    c0 -= c0 >= channels ? channels : 0;
                    c1 -= c1 >= channels ? channels : 0;
                    f.x += bias[c0];
                    f.y += bias[c1];
                }
                h[k] = __floats2half2_rn(act(f.x, a, alpha, beta), act(f.y, a, alpha, beta));
            }
            v[i] = q;
        }
    });
}

// y[i] = act(x[i] * scale[c] + shift[c]), c = (i / inner) % channels: standalone BatchNormalization
// (inner = 1 for NHWC) and, with one channel of scale 1 and shift 0, the plain activations.
template <typename I, typename T>
__device__ void affine_act(const T* x, T* y, const float* scale, const float* shift, I inner, int channels, I n, int a, float alpha, float beta) {
    GRID_STRIDE(i, n) {
        int c = (int)((i / inner) % channels);
        st(y, i, act(ld(x, i) * scale[c] + shift[c], a, alpha, beta));
    }
}
extern "C" __global__ void affine_act_f32(const float* x, float* y, const float* scale, const float* shift, i64 inner, int channels, i64 n, int a, float alpha, float beta) { INDEXED(n, affine_act<I>(x, y, scale, shift, (I)inner, channels, (I)n, a, alpha, beta)); }
extern "C" __global__ void affine_act_f16(const __half* x, __half* y, const float* scale, const float* shift, i64 inner, int channels, i64 n, int a, float alpha, float beta) { INDEXED(n, affine_act<I>(x, y, scale, shift, (I)inner, channels, (I)n, a, alpha, beta)); }

// The same activation on contiguous fp16 values, 8 per thread (n8 = n / 8 units of 16 bytes): the
// stand-alone activations (a detector's class sigmoid over [N, classes, anchors]) without the
// channel division of affine_act.
extern "C" __global__ void unary_flat8_f16(const __half* x, __half* y, i64 n8, int a, float alpha, float beta) {
    INDEXED(n8 * 8, {
        GRID_STRIDE(i, (I)n8) {
            uint4 q = reinterpret_cast<const uint4*>(x)[i];
            __half2* h = reinterpret_cast<__half2*>(&q);
            #pragma unroll
            for (int k = 0; k < 4; ++k) {
                float2 f = __half22float2(h[k]);
                h[k] = __floats2half2_rn(act(f.x, a, alpha, beta), act(f.y, a, alpha, beta));
            }
            reinterpret_cast<uint4*>(y)[i] = q;
        }
    });
}

// Binary operation codes: dev.vahost.inference.internal.ops.BinaryOps.Op.
__device__ __forceinline__ float binop(int op, float a, float b) {
    switch (op) {
        case 0: return a + b;
        case 1: return a - b;
        case 2: return a * b;
        case 3: return a / b;
        case 4: return b == 2.f ? a * a : powf(a, b);
        case 5: return (a != a || b != b) ? __int_as_float(0x7fc00000) : fminf(a, b); // Min: NaN propagates (ONNX)
        case 6: return (a != a || b != b) ? __int_as_float(0x7fc00000) : fmaxf(a, b); // Max
        case 8: return fmodf(a, b);
        default: return 0.f;
    }
}

// Comparisons (codes 9..13): float operands, int32 0/1 result.
__device__ __forceinline__ int cmpop(int op, float a, float b) {
    switch (op) {
        case 9: return a == b;
        case 10: return a < b;
        case 11: return a <= b;
        case 12: return a > b;
        default: return a >= b;
    }
}

// Integer operations on int32 (indices, masks): Div truncates, Mod takes the divisor's sign.
__device__ __forceinline__ int intop(int op, int a, int b) {
    switch (op) {
        case 0: return a + b;
        case 1: return a - b;
        case 2: return a * b;
        case 3: return b == 0 ? 0 : a / b;
        case 5: return min(a, b);
        case 6: return max(a, b);
        case 7: { if (b == 0) return 0; int r = a % b; return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r; }
        case 8: return b == 0 ? 0 : a % b;
        case 14: return (a != 0) && (b != 0);
        case 15: return (a != 0) || (b != 0);
        case 16: return (a != 0) != (b != 0);
        default: return cmpop(op, (float)a, (float)b);
    }
}

// Operands and result in the same storage order: y = act(a op b).
template <typename I, typename T>
__device__ void binary_flat(const T* a, const T* b, T* y, int op, I n, int ac, float alpha, float beta) {
    GRID_STRIDE(i, n) st(y, i, act(binop(op, ld(a, i), ld(b, i)), ac, alpha, beta));
}
extern "C" __global__ void binary_flat_f32(const float* a, const float* b, float* y, int op, i64 n, int ac, float alpha, float beta) { INDEXED(n, binary_flat<I>(a, b, y, op, (I)n, ac, alpha, beta)); }
extern "C" __global__ void binary_flat_f16(const __half* a, const __half* b, __half* y, int op, i64 n, int ac, float alpha, float beta) { INDEXED(n, binary_flat<I>(a, b, y, op, (I)n, ac, alpha, beta)); }

// The same for fp16 with 16-byte aligned operands, eight elements per thread; n8 = elements / 8.
extern "C" __global__ void binary_flat8_f16(const __half* a, const __half* b, __half* y, int op, i64 n8, int ac, float alpha, float beta) {
    INDEXED(n8, {
        GRID_STRIDE(i, n8) {
            uint4 qa = reinterpret_cast<const uint4*>(a)[i], qb = reinterpret_cast<const uint4*>(b)[i], qy;
            const __half2* ha = reinterpret_cast<const __half2*>(&qa);
            const __half2* hb = reinterpret_cast<const __half2*>(&qb);
            __half2* hy = reinterpret_cast<__half2*>(&qy);
            #pragma unroll
            for (int k = 0; k < 4; ++k) {
                float2 fa = __half22float2(ha[k]), fb = __half22float2(hb[k]);
                hy[k] = __floats2half2_rn(act(binop(op, fa.x, fb.x), ac, alpha, beta), act(binop(op, fa.y, fb.y), ac, alpha, beta));
            }
            reinterpret_cast<uint4*>(y)[i] = qy;
        }
    });
}

// fp16, two dimensions after coalescing, y [rows, cols] contiguous with cols % 8 == 0: eight columns
// per thread. Each operand is either a row of cols values at row stride s (s % 8 == 0, 0 for one row
// broadcast over all: a bias along the last axis) or, with its scalar flag, one value per row at
// row stride s (0: one value for everything). The common broadcasts of transformer blocks (a bias
// vector, a per-token scale) without the general kernel's table reads and per-dimension divisions.
template <typename I>
__device__ __forceinline__ void load8(const __half* p, I row, I stride, int scalar, I c8, float f[8]) {
    if (scalar) {
        float v = __half2float(p[row * stride]);
        #pragma unroll
        for (int k = 0; k < 8; ++k) f[k] = v;
    } else {
        uint4 q = reinterpret_cast<const uint4*>(p + row * stride)[c8];
        const __half2* h = reinterpret_cast<const __half2*>(&q);
        #pragma unroll
        for (int k = 0; k < 4; ++k) { float2 t = __half22float2(h[k]); f[2 * k] = t.x; f[2 * k + 1] = t.y; }
    }
}
// Rows in two levels: row r is (o, ri) = (r / inner, r % inner), each operand's row at o * outer stride + ri * row
// stride (inner = rows and outer strides 0: one level).
template <typename I>
__device__ void binary_rows8(const __half* a, const __half* b, __half* y, int op, I rows, I cols8, I as, I bs, I ys, int aScalar,
                             int bScalar, int ac, float alpha, float beta, I inner = 0, I ao = 0, I bo = 0, I yo = 0) {
    if (inner == 0) inner = rows;
    GRID_STRIDE(i, rows * cols8) {
        I r = i / cols8, c = i - r * cols8, o = r / inner, ri = r - o * inner;
        float fa[8], fb[8];
        load8<I>(a + o * ao, ri, as, aScalar, c, fa);
        load8<I>(b + o * bo, ri, bs, bScalar, c, fb);
        uint4 qy;
        __half2* hy = reinterpret_cast<__half2*>(&qy);
        #pragma unroll
        for (int k = 0; k < 4; ++k) {
            hy[k] = __floats2half2_rn(act(binop(op, fa[2 * k], fb[2 * k]), ac, alpha, beta),
                                      act(binop(op, fa[2 * k + 1], fb[2 * k + 1]), ac, alpha, beta));
        }
        reinterpret_cast<uint4*>(y + o * yo + ri * ys)[c] = qy;
    }
}
// ys: elements between y's rows (cols8 * 8, or more when y is a channel slice of a wider value).
extern "C" __global__ void binary_rows8_f16(const __half* a, const __half* b, __half* y, int op, i64 rows, i64 cols8, i64 as, i64 bs,
                                            i64 ys, int aScalar, int bScalar, int ac, float alpha, float beta, i64 span) {
    INDEXED(span, binary_rows8<I>(a, b, y, op, (I)rows, (I)cols8, (I)as, (I)bs, (I)ys, aScalar, bScalar, ac, alpha, beta));
}
// Two levels of rows (rows = outer * inner): a broadcast over a middle dimension ([1, HW, 1] · [N, HW, C], attention
// weights [B, 1, Q, P] · [B, L, Q, P]) that the one-level kernel cannot address. ao, bo, yo: the operands' strides
// between outer rows; as, bs, ys between inner rows.
extern "C" __global__ void binary_rows8x2_f16(const __half* a, const __half* b, __half* y, int op, i64 outer, i64 inner, i64 cols8, i64 ao,
                                              i64 bo, i64 yo, i64 as, i64 bs, i64 ys, int aScalar, int bScalar, int ac, float alpha,
                                              float beta, i64 span) {
    INDEXED(span, binary_rows8<I>(a, b, y, op, (I)(outer * inner), (I)cols8, (I)as, (I)bs, (I)ys, aScalar, bScalar, ac, alpha, beta,
                                  (I)inner, (I)ao, (I)bo, (I)yo));
}

// Broadcasting: meta = shape[rank], aStrides[rank], bStrides[rank]; y is contiguous in shape (the
// engine orders the dimensions so that this is y's storage order).
template <typename I, typename T>
__device__ void binary_bcast(const T* a, const T* b, T* y, int op, int rank, I n, const i64* meta, int ac, float alpha, float beta) {
    GRID_STRIDE(i, n) {
        I rem = i, ao = 0, bo = 0;
        for (int d = rank - 1; d >= 0; --d) {
            I s = (I)meta[d];
            I q = rem / s, r = rem - q * s;
            ao += r * (I)meta[rank + d];
            bo += r * (I)meta[2 * rank + d];
            rem = q;
        }
        st(y, i, act(binop(op, ld(a, ao), ld(b, bo)), ac, alpha, beta));
    }
}
extern "C" __global__ void binary_bcast_f32(const float* a, const float* b, float* y, int op, int rank, i64 n, const i64* meta, int ac, float alpha, float beta) { INDEXED(n, binary_bcast<I>(a, b, y, op, rank, (I)n, meta, ac, alpha, beta)); }
extern "C" __global__ void binary_bcast_f16(const __half* a, const __half* b, __half* y, int op, int rank, i64 n, const i64* meta, int ac, float alpha, float beta) { INDEXED(n, binary_bcast<I>(a, b, y, op, rank, (I)n, meta, ac, alpha, beta)); }

// The same walk for comparisons (float operands, int32 result) and integer operations (int32).
template <typename I, typename T>
__device__ void compare_bcast(const T* a, const T* b, int* y, int op, int rank, I n, const i64* meta) {
    GRID_STRIDE(i, n) {
        I rem = i, ao = 0, bo = 0;
        for (int d = rank - 1; d >= 0; --d) {
            I s = (I)meta[d];
            I q = rem / s, r = rem - q * s;
            ao += r * (I)meta[rank + d];
            bo += r * (I)meta[2 * rank + d];
            rem = q;
        }
        y[i] = cmpop(op, ld(a, ao), ld(b, bo));
    }
}
extern "C" __global__ void compare_bcast_f32(const float* a, const float* b, int* y, int op, int rank, i64 n, const i64* meta) { INDEXED(n, compare_bcast<I>(a, b, y, op, rank, (I)n, meta)); }
extern "C" __global__ void compare_bcast_f16(const __half* a, const __half* b, int* y, int op, int rank, i64 n, const i64* meta) { INDEXED(n, compare_bcast<I>(a, b, y, op, rank, (I)n, meta)); }

template <typename I>
__device__ void binary_bcast_int(const int* a, const int* b, int* y, int op, int rank, I n, const i64* meta) {
    GRID_STRIDE(i, n) {
        I rem = i, ao = 0, bo = 0;
        for (int d = rank - 1; d >= 0; --d) {
            I s = (I)meta[d];
            I q = rem / s, r = rem - q * s;
            ao += r * (I)meta[rank + d];
            bo += r * (I)meta[2 * rank + d];
            rem = q;
        }
        y[i] = intop(op, a[ao], b[bo]);
    }
}
extern "C" __global__ void binary_bcast_i32(const int* a, const int* b, int* y, int op, int rank, i64 n, const i64* meta) { INDEXED(n, binary_bcast_int<I>(a, b, y, op, rank, (I)n, meta)); }

// Where: meta = shape[rank], condStrides[rank], xStrides[rank], yStrides[rank]; out contiguous.
template <typename I, typename T>
__device__ void where_bcast(const int* c, const T* x, const T* y, T* out, int rank, I n, const i64* meta) {
    GRID_STRIDE(i, n) {
        I rem = i, co = 0, xo = 0, yo = 0;
        for (int d = rank - 1; d >= 0; --d) {
            I s = (I)meta[d];
            I q = rem / s, r = rem - q * s;
            co += r * (I)meta[rank + d];
            xo += r * (I)meta[2 * rank + d];
            yo += r * (I)meta[3 * rank + d];
            rem = q;
        }
        out[i] = c[co] ? x[xo] : y[yo];
    }
}
extern "C" __global__ void where_bcast_f32(const int* c, const float* x, const float* y, float* o, int rank, i64 n, const i64* meta) { INDEXED(n, where_bcast<I>(c, x, y, o, rank, (I)n, meta)); }
extern "C" __global__ void where_bcast_f16(const int* c, const __half* x, const __half* y, __half* o, int rank, i64 n, const i64* meta) { INDEXED(n, where_bcast<I>(c, x, y, o, rank, (I)n, meta)); }
extern "C" __global__ void where_bcast_i32(const int* c, const int* x, const int* y, int* o, int rank, i64 n, const i64* meta) { INDEXED(n, where_bcast<I>(c, x, y, o, rank, (I)n, meta)); }

// Cast between float storage and int32: float -> int truncates toward zero (saturating at the
// int32 range); toBool: x != 0.
__device__ __forceinline__ int f2i(float v, int toBool) {
    if (toBool) return v != 0.f;
    if (v != v) return 0;
    return v >= 2147483647.f ? INT_MAX : (v <= -2147483648.f ? INT_MIN : (int)v);
}
extern "C" __global__ void cast_f32_i32(const float* x, int* y, i64 n, int toBool) { INDEXED(n, GRID_STRIDE(i, n) y[i] = f2i(x[i], toBool)); }
extern "C" __global__ void cast_f16_i32(const __half* x, int* y, i64 n, int toBool) { INDEXED(n, GRID_STRIDE(i, n) y[i] = f2i(__half2float(x[i]), toBool)); }
extern "C" __global__ void cast_i32_f32(const int* x, float* y, i64 n, int toBool) { INDEXED(n, GRID_STRIDE(i, n) y[i] = (float)x[i]); }
extern "C" __global__ void cast_i32_f16(const int* x, __half* y, i64 n, int toBool) { INDEXED(n, GRID_STRIDE(i, n) y[i] = __float2half_rn((float)x[i])); }
extern "C" __global__ void cast_i32_i32(const int* x, int* y, i64 n, int toBool) { INDEXED(n, GRID_STRIDE(i, n) y[i] = toBool ? (x[i] != 0) : x[i]); }

// Gather along one axis: y[o, j, k] = x[o, idx[j], k] over [outer, count, inner], idx int32 (a
// negative index counts from the end; out of range reads 0). By element width: 2 (fp16) or 4
// bytes (fp32, int32).
template <typename I, typename U>
__device__ void gather_axis(const U* x, const int* idx, U* y, I outer, I axisLen, I count, I inner) {
    I n = outer * count * inner;
    GRID_STRIDE(i, n) {
        I k = i % inner, t = i / inner;
        I j = t % count, o = t / count;
        I v = (I)idx[j];
        if (v < 0) v += axisLen;
        y[i] = (v >= 0 && v < axisLen) ? x[(o * axisLen + v) * inner + k] : (U)0;
    }
}
#define GATHER_ARGS i64 outer, i64 axisLen, i64 count, i64 inner
extern "C" __global__ void gather_b2(const unsigned short* x, const int* idx, unsigned short* y, GATHER_ARGS) { INDEXED(outer * (axisLen + count) * inner, gather_axis<I>(x, idx, y, (I)outer, (I)axisLen, (I)count, (I)inner)); }
extern "C" __global__ void gather_b4(const unsigned* x, const int* idx, unsigned* y, GATHER_ARGS) { INDEXED(outer * (axisLen + count) * inner, gather_axis<I>(x, idx, y, (I)outer, (I)axisLen, (I)count, (I)inner)); }

// Strided copy: for every index of shape, y[yo + idx.yStrides] = x[xo + idx.xStrides].
// meta = shape[rank], xStrides[rank], yStrides[rank], xOffset, yOffset (elements). Transpose, Slice,
// Split, Concat, layout and dtype conversion of the engine's input and outputs. The 32-bit variant
// needs every address below 2^31 elements as well: the engine passes the largest reach as "span".
// Convert moves one element with type conversion; Raw moves a unit as is (the engine divides
// strides and offsets by the width when all of them allow: 4, 8 and 16 bytes per element).
struct Convert {
    template <typename A, typename B>
    __device__ static void move(const A* x, i64 xo, B* y, i64 yo) { st(y, yo, ld(x, xo)); }
};
struct Raw {
    template <typename U>
    __device__ static void move(const U* x, i64 xo, U* y, i64 yo) { y[yo] = x[xo]; }
};
template <typename I, typename M, typename A, typename B>
__device__ void copy_strided(const A* x, B* y, int rank, I n, const i64* meta) {
    const I xo0 = (I)meta[3 * rank], yo0 = (I)meta[3 * rank + 1];
    GRID_STRIDE(i, n) {
        I rem = i, xo = xo0, yo = yo0;
        for (int d = rank - 1; d >= 0; --d) {
            I s = (I)meta[d];
            I q = rem / s, r = rem - q * s;
            xo += r * (I)meta[rank + d];
            yo += r * (I)meta[2 * rank + d];
            rem = q;
        }
        M::move(x, xo, y, yo);
    }
}
#define COPY_KERNEL(name, M, A, B) \
    extern "C" __global__ void name(const A* x, B* y, int rank, i64 n, const i64* meta, i64 span) { INDEXED(span, copy_strided<I, M>(x, y, rank, (I)n, meta)); }
COPY_KERNEL(copy_f32_f32, Convert, float, float)
COPY_KERNEL(copy_f16_f16, Convert, __half, __half)
COPY_KERNEL(copy_f32_f16, Convert, float, __half)
COPY_KERNEL(copy_f16_f32, Convert, __half, float)
COPY_KERNEL(copy_b2, Raw, unsigned short, unsigned short)
COPY_KERNEL(copy_b4, Raw, unsigned, unsigned)
COPY_KERNEL(copy_b8, Raw, uint2, uint2)
COPY_KERNEL(copy_b16, Raw, uint4, uint4)

// The same copy when it coalesces to at most two dimensions: y[yo + r*ys + c*yc] = x[xo + r*xs + c*xc]
// for r < rows, c < cols (rows = 1 for one dimension). span bounds every index (int indexing below 2^31).
template <typename I, typename U>
__device__ void copy2d(const U* x, U* y, I rows, I cols, I xs, I ys, I xc, I yc, I xo, I yo) {
    GRID_STRIDE(i, rows * cols) {
        I r = i / cols, c = i - r * cols;
        y[yo + r * ys + c * yc] = x[xo + r * xs + c * xc];
    }
}
#define COPY2D_KERNEL(name, U) \
    extern "C" __global__ void name(const U* x, U* y, i64 rows, i64 cols, i64 xs, i64 ys, i64 xc, i64 yc, i64 xo, i64 yo, i64 span) { \
        INDEXED(span, copy2d<I, U>(x, y, (I)rows, (I)cols, (I)xs, (I)ys, (I)xc, (I)yc, (I)xo, (I)yo)); }
COPY2D_KERNEL(copy2d_b2, unsigned short)
COPY2D_KERNEL(copy2d_b4, unsigned)
COPY2D_KERNEL(copy2d_b8, uint2)
COPY2D_KERNEL(copy2d_b16, uint4)

// The same copy when it coalesces to three or four dimensions: y[yo + a*ya + b*yb + r*ys + c*yc] = x[xo + a*xa + b*xb +
// r*xs + c*xc] for a < na, b < nb, r < rows, c < cols, the strides as arguments (no table reads, three divisions per
// unit): YOLOv5's head copying 81-element runs out of 255-channel pixels, RT-DETR's per-head transposes.
template <typename I, typename U>
__device__ void copy4d(const U* x, U* y, I na, I nb, I rows, I cols, I xa, I xb, I xs, I xc, I ya, I yb, I ys, I yc, I xo, I yo) {
    GRID_STRIDE(i, na * nb * rows * cols) {
        I r = i / cols, c = i - r * cols, q = r / rows;
        r -= q * rows;
        I a = q / nb, b = q - a * nb;
        y[yo + a * ya + b * yb + r * ys + c * yc] = x[xo + a * xa + b * xb + r * xs + c * xc];
    }
}
#define COPY4D_KERNEL(name, U) \
    extern "C" __global__ void name(const U* x, U* y, i64 na, i64 nb, i64 rows, i64 cols, i64 xa, i64 xb, i64 xs, i64 xc, i64 ya, i64 yb, \
                                    i64 ys, i64 yc, i64 xo, i64 yo, i64 span) { \
        INDEXED(span, copy4d<I, U>(x, y, (I)na, (I)nb, (I)rows, (I)cols, (I)xa, (I)xb, (I)xs, (I)xc, (I)ya, (I)yb, (I)ys, (I)yc, (I)xo, (I)yo)); }
COPY4D_KERNEL(copy4d_b2, unsigned short)
COPY4D_KERNEL(copy4d_b4, unsigned)
COPY4D_KERNEL(copy4d_b8, uint2)
COPY4D_KERNEL(copy4d_b16, uint4)

// The same copy of 2-byte elements when it transposes: y[b1, b2, r, s] = x[b1, b2, r, s] (offsets xo, yo; strides
// per dimension) where x runs contiguously along r (xr = 1) and y along s (ys = 1): a channels-last value's
// channels copied into channel-major rows (a detection head's NHWC outputs into its [N, C, anchors] tensors).
// The general copy reads there one element per pixel stride (one 32-byte sector for 2 bytes); here each block
// moves 32 x 32 tiles through shared memory, reading along r and writing along s, both coalesced. Blocks of
// 32 x 8 threads stride the tiles; the loops over threadIdx also cover a one-thread block (the host check).
template <typename I>
__device__ void transpose2(const unsigned short* x, unsigned short* y, I b1n, I b2n, I rn, I sn, I xb1, I xb2, I xr, I xs, I yb1, I yb2,
                           I yr, I ys, I xo, I yo) {
    __shared__ unsigned short tile[32][33];
    const I tilesS = (sn + 31) / 32, tilesR = (rn + 31) / 32, tiles = b1n * b2n * tilesR * tilesS;
    for (I t = blockIdx.x; t < tiles; t += gridDim.x) {
        I u = t / tilesS, s0 = (t - u * tilesS) * 32;
        I v = u / tilesR, r0 = (u - v * tilesR) * 32;
        I b1 = v / b2n, b2 = v - b1 * b2n;
        const unsigned short* xb = x + xo + b1 * xb1 + b2 * xb2;
        unsigned short* yb = y + yo + b1 * yb1 + b2 * yb2;
        __syncthreads();  // the previous tile is written out
        for (int i = threadIdx.y; i < 32; i += blockDim.y) {
            for (int j = threadIdx.x; j < 32; j += blockDim.x) {
                I r = r0 + j, s = s0 + i;
                if (r < rn && s < sn) tile[i][j] = xb[r * xr + s * xs];
            }
        }
        __syncthreads();
        for (int i = threadIdx.y; i < 32; i += blockDim.y) {
            for (int j = threadIdx.x; j < 32; j += blockDim.x) {
                I r = r0 + i, s = s0 + j;
                if (r < rn && s < sn) yb[r * yr + s * ys] = tile[j][i];
            }
        }
    }
}
extern "C" __global__ void __launch_bounds__(256) transpose_b2(const unsigned short* x, unsigned short* y, i64 b1n, i64 b2n, i64 rn, i64 sn,
                                                               i64 xb1, i64 xb2, i64 xr, i64 xs, i64 yb1, i64 yb2, i64 yr, i64 ys, i64 xo,
                                                               i64 yo, i64 span) {
    INDEXED(span + b1n * b2n * (rn + 31) * (sn + 31), transpose2<I>(x, y, (I)b1n, (I)b2n, (I)rn, (I)sn, (I)xb1, (I)xb2, (I)xr, (I)xs,
                                                                     (I)yb1, (I)yb2, (I)yr, (I)ys, (I)xo, (I)yo));
}

// Contiguous copy with conversion (engine input and outputs, Identity).
#define CONVERT_KERNEL(name, A, B) \
    extern "C" __global__ void name(const A* x, B* y, i64 n) { INDEXED(n, GRID_STRIDE(i, n) st(y, i, ld(x, i))); }
CONVERT_KERNEL(convert_f32_f16, float, __half)
CONVERT_KERNEL(convert_f16_f32, __half, float)
CONVERT_KERNEL(convert_f32_f32, float, float)
CONVERT_KERNEL(convert_f16_f16, __half, __half)

// The same on rows of `channels` values whose starts are `stride` elements apart (a convolution's
// output written into its channel slice of a Concat's output): n8 = rows * channels / 8.
extern "C" __global__ void bias_act_rows8_f16(__half* y, const float* bias, int channels, i64 rows, i64 stride, int a, float alpha,
                                              float beta) {
    INDEXED(rows * stride, {
        I c8n = (I)(channels / 8);
        GRID_STRIDE(i, (I)rows * c8n) {
            I r = i / c8n;
            int c = (int)(i - r * c8n) * 8;
            uint4* p = reinterpret_cast<uint4*>(y + r * (I)stride + c);
            uint4 q = *p;
            __half2* h = reinterpret_cast<__half2*>(&q);
            #pragma unroll
            for (int k = 0; k < 4; ++k) {
                float2 f = __half22float2(h[k]);
                if (bias) { f.x += bias[c + 2 * k]; f.y += bias[c + 2 * k + 1]; }
                h[k] = __floats2half2_rn(act(f.x, a, alpha, beta), act(f.y, a, alpha, beta));
            }
            *p = q;
        }
    });
}

// Max pooling, one thread per output element; padded positions never win; NaN propagates.
// NCHW: i = ((n*C + c)*oh + oy)*ow + ox over planes = N*C.
template <typename I, typename T>
__device__ void maxpool(const T* x, T* y, I planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                        int pt, int pl, int dh, int dw) {
    I n = planes * oh * ow;
    GRID_STRIDE(i, n) {
        int ox = (int)(i % ow);
        I t = i / ow;
        int oy = (int)(t % oh);
        I p = t / oh;
        const T* xp = x + p * h * w;
        float best = -INFINITY;
        for (int a = 0; a < kh; ++a) {
            int iy = oy * sh - pt + a * dh;
            if (iy < 0 || iy >= h) continue;
            for (int b = 0; b < kw; ++b) {
                int ix = ox * sw - pl + b * dw;
                if (ix < 0 || ix >= w) continue;
                float v = ld(xp, (I)iy * w + ix);
                best = (v > best || v != v) ? v : best;
            }
        }
        st(y, i, best);
    }
}
#define MAXPOOL_ARGS i64 planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl, int dh, int dw
extern "C" __global__ void maxpool_f32(const float* x, float* y, MAXPOOL_ARGS) { INDEXED(planes * h * w + planes * oh * ow, maxpool<I>(x, y, (I)planes, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw)); }
extern "C" __global__ void maxpool_f16(const __half* x, __half* y, MAXPOOL_ARGS) { INDEXED(planes * h * w + planes * oh * ow, maxpool<I>(x, y, (I)planes, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw)); }

// NHWC: i = ((n*oh + oy)*ow + ox)*C + c; "planes" is the batch, c the channel count.
template <typename I, typename T>
__device__ void maxpool_nhwc(const T* x, T* y, I batch, int c, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                             int pt, int pl, int dh, int dw) {
    I n = batch * oh * ow * c;
    GRID_STRIDE(i, n) {
        int ch = (int)(i % c);
        I t = i / c;
        int ox = (int)(t % ow);
        t /= ow;
        int oy = (int)(t % oh);
        I b = t / oh;
        const T* xp = x + b * h * w * c + ch;
        float best = -INFINITY;
        for (int a = 0; a < kh; ++a) {
            int iy = oy * sh - pt + a * dh;
            if (iy < 0 || iy >= h) continue;
            for (int q = 0; q < kw; ++q) {
                int ix = ox * sw - pl + q * dw;
                if (ix < 0 || ix >= w) continue;
                float v = ld(xp, ((I)iy * w + ix) * c);
                best = (v > best || v != v) ? v : best;
            }
        }
        st(y, i, best);
    }
}
#define MAXPOOL_NHWC_ARGS i64 batch, int c, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl, int dh, int dw
extern "C" __global__ void maxpool_nhwc_f32(const float* x, float* y, MAXPOOL_NHWC_ARGS) { INDEXED(batch * c * (h * w + oh * ow), maxpool_nhwc<I>(x, y, (I)batch, c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw)); }
extern "C" __global__ void maxpool_nhwc_f16(const __half* x, __half* y, MAXPOOL_NHWC_ARGS) { INDEXED(batch * c * (h * w + oh * ow), maxpool_nhwc<I>(x, y, (I)batch, c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw)); }

// Unit i of an NHWC grid walked 8 channels at a time: its channel unit cu (< c8), pixel (ox, oy) and image b.
template <typename I>
__device__ __forceinline__ void nhwc8_unit(I i, int c8, int oh, int ow, int& cu, int& ox, int& oy, I& b) {
    cu = (int)(i % c8);
    I t = i / c8;
    ox = (int)(t % ow);
    t /= ow;
    oy = (int)(t % oh);
    b = t / oh;
}

// fp16 NHWC max pooling, 8 channels (16 bytes) per thread: c8 = channels / 8. Pixels of x are xs
// elements apart and pixels of y ys apart: the channel counts, or a wider storage's when x is read
// from or y written into a channel slice of it (internal.gpu.Placements). Same taps and NaN rule as
// maxpool_nhwc; the maximum of fp16 values is one of them, so the result is exact.
template <typename I>
__device__ void maxpool_nhwc8(const __half* x, __half* y, I batch, int c8, int h, int w, int oh, int ow, int kh, int kw, int sh,
                              int sw, int pt, int pl, int dh, int dw, I xs, I ys) {
    GRID_STRIDE(i, batch * oh * ow * c8) {
        int cu, ox, oy;
        I b;
        nhwc8_unit<I>(i, c8, oh, ow, cu, ox, oy, b);
        float best[8];
        #pragma unroll
        for (int k = 0; k < 8; ++k) best[k] = -INFINITY;
        for (int a = 0; a < kh; ++a) {
            int iy = oy * sh - pt + a * dh;
            if (iy < 0 || iy >= h) continue;
            for (int q = 0; q < kw; ++q) {
                int ix = ox * sw - pl + q * dw;
                if (ix < 0 || ix >= w) continue;
                uint4 v = *reinterpret_cast<const uint4*>(x + ((b * h + iy) * w + ix) * xs + cu * 8);
                const __half2* hv = reinterpret_cast<const __half2*>(&v);
                #pragma unroll
                for (int k = 0; k < 4; ++k) {
                    float2 f = __half22float2(hv[k]);
                    best[2 * k] = (f.x > best[2 * k] || f.x != f.x) ? f.x : best[2 * k];
                    best[2 * k + 1] = (f.y > best[2 * k + 1] || f.y != f.y) ? f.y : best[2 * k + 1];
                }
            }
        }
        uint4 o;
        __half2* ho = reinterpret_cast<__half2*>(&o);
        #pragma unroll
        for (int k = 0; k < 4; ++k) ho[k] = __floats2half2_rn(best[2 * k], best[2 * k + 1]);
        *reinterpret_cast<uint4*>(y + ((b * oh + oy) * ow + ox) * ys + cu * 8) = o;
    }
}
extern "C" __global__ void maxpool_nhwc8_f16(const __half* x, __half* y, i64 batch, int c8, int h, int w, int oh, int ow, int kh,
                                             int kw, int sh, int sw, int pt, int pl, int dh, int dw, i64 xs, i64 ys) {
    INDEXED(batch * ((i64)h * w * xs + (i64)oh * ow * ys), maxpool_nhwc8<I>(x, y, (I)batch, c8, h, w, oh, ow, kh, kw, sh, sw, pt, pl,
                                                                            dh, dw, (I)xs, (I)ys));
}

// Nearest resize of the spatial axes by index tables (source row per output row, column per column).
template <typename I, typename T>
__device__ void resize_nearest(const T* x, T* y, I planes, int h, int w, int oh, int ow, const int* rows, const int* cols) {
    I n = planes * oh * ow;
    GRID_STRIDE(i, n) {
        int ox = (int)(i % ow);
        I t = i / ow;
        int oy = (int)(t % oh);
        I p = t / oh;
        y[i] = x[(p * h + rows[oy]) * w + cols[ox]];
    }
}
#define RESIZE_ARGS i64 planes, int h, int w, int oh, int ow, const int* rows, const int* cols
extern "C" __global__ void resize_nearest_f32(const float* x, float* y, RESIZE_ARGS) { INDEXED(planes * (h * w + oh * ow), resize_nearest<I>(x, y, (I)planes, h, w, oh, ow, rows, cols)); }
extern "C" __global__ void resize_nearest_f16(const __half* x, __half* y, RESIZE_ARGS) { INDEXED(planes * (h * w + oh * ow), resize_nearest<I>(x, y, (I)planes, h, w, oh, ow, rows, cols)); }

// NHWC: "planes" is the batch; c channels.
template <typename I, typename T>
__device__ void resize_nearest_nhwc(const T* x, T* y, I batch, int c, int h, int w, int oh, int ow, const int* rows, const int* cols) {
    I n = batch * oh * ow * c;
    GRID_STRIDE(i, n) {
        int ch = (int)(i % c);
        I t = i / c;
        int ox = (int)(t % ow);
        t /= ow;
        int oy = (int)(t % oh);
        I b = t / oh;
        y[i] = x[((b * h + rows[oy]) * w + cols[ox]) * c + ch];
    }
}
#define RESIZE_NHWC_ARGS i64 batch, int c, int h, int w, int oh, int ow, const int* rows, const int* cols
extern "C" __global__ void resize_nearest_nhwc_f32(const float* x, float* y, RESIZE_NHWC_ARGS) { INDEXED(batch * c * (h * w + oh * ow), resize_nearest_nhwc<I>(x, y, (I)batch, c, h, w, oh, ow, rows, cols)); }
extern "C" __global__ void resize_nearest_nhwc_f16(const __half* x, __half* y, RESIZE_NHWC_ARGS) { INDEXED(batch * c * (h * w + oh * ow), resize_nearest_nhwc<I>(x, y, (I)batch, c, h, w, oh, ow, rows, cols)); }

// fp16 NHWC nearest resize, 8 channels (16 bytes) per thread, pixels xs and ys elements apart in x
// and y (see maxpool_nhwc8): an upsampled value read from or written into a channel slice.
template <typename I>
__device__ void resize_nearest_nhwc8(const __half* x, __half* y, I batch, int c8, int h, int w, int oh, int ow, const int* rows,
                                     const int* cols, I xs, I ys) {
    GRID_STRIDE(i, batch * oh * ow * c8) {
        int cu, ox, oy;
        I b;
        nhwc8_unit<I>(i, c8, oh, ow, cu, ox, oy, b);
        *reinterpret_cast<uint4*>(y + ((b * oh + oy) * ow + ox) * ys + cu * 8) =
                *reinterpret_cast<const uint4*>(x + ((b * h + rows[oy]) * w + cols[ox]) * xs + cu * 8);
    }
}
extern "C" __global__ void resize_nearest_nhwc8_f16(const __half* x, __half* y, i64 batch, int c8, int h, int w, int oh, int ow,
                                                    const int* rows, const int* cols, i64 xs, i64 ys) {
    INDEXED(batch * ((i64)h * w * xs + (i64)oh * ow * ys), resize_nearest_nhwc8<I>(x, y, (I)batch, c8, h, w, oh, ow, rows, cols,
                                                                                   (I)xs, (I)ys));
}

// Softmax over the middle axis of [outer, len, inner]: one thread per (outer, inner) column; the
// columns of consecutive threads are adjacent in memory (coalesced). Max-subtracted, float sums.
// lg: LogSoftmax (x - max - log(sum)).
template <typename I, typename T>
__device__ void softmax_mid(const T* x, T* y, I outer, int len, I inner, int lg) {
    I n = outer * inner;
    GRID_STRIDE(i, n) {
        I o = i / inner, in = i - o * inner;
        I base = o * len * inner + in;
        if (len <= 32) {
            // One read per element, values kept in registers (YOLOv8's DFL: len 16).
            float v[32];
            float m = -INFINITY;
            #pragma unroll
            for (int a = 0; a < 32; ++a) if (a < len) { v[a] = ld(x, base + a * inner); m = fmaxf(m, v[a]); }
            float s = 0.f;
            #pragma unroll
            for (int a = 0; a < 32; ++a) if (a < len) { v[a] = v[a] - m; s += __expf(v[a]); }
            float inv = 1.f / s, ls = __logf(s);
            #pragma unroll
            for (int a = 0; a < 32; ++a) if (a < len) st(y, base + a * inner, lg ? v[a] - ls : __expf(v[a]) * inv);
            continue;
        }
        float m = -INFINITY;
        for (int a = 0; a < len; ++a) m = fmaxf(m, ld(x, base + a * inner));
        float s = 0.f;
        for (int a = 0; a < len; ++a) s += __expf(ld(x, base + a * inner) - m);
        float inv = 1.f / s, ls = __logf(s);
        for (int a = 0; a < len; ++a) {
            float d = ld(x, base + a * inner) - m;
            st(y, base + a * inner, lg ? d - ls : __expf(d) * inv);
        }
    }
}
extern "C" __global__ void softmax_f32(const float* x, float* y, i64 outer, int len, i64 inner, int lg) { INDEXED(outer * len * inner, softmax_mid<I>(x, y, (I)outer, len, (I)inner, lg)); }
extern "C" __global__ void softmax_f16(const __half* x, __half* y, i64 outer, int len, i64 inner, int lg) { INDEXED(outer * len * inner, softmax_mid<I>(x, y, (I)outer, len, (I)inner, lg)); }

// Softmax over contiguous rows (inner = 1, len > 32: attention scores, class logits): one warp per
// row, lanes stride the row (coalesced), shuffles reduce max and sum. 8 warps per 256-thread block.
template <typename T>
__device__ void softmax_rows(const T* x, T* y, i64 rows, int len, int lg) {
    const int lane = threadIdx.x & 31;
    for (i64 row = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += (i64)gridDim.x * (blockDim.x >> 5)) {
        const T* xr = x + row * len;
        T* yr = y + row * len;
        float m = -INFINITY;
        for (int a = lane; a < len; a += 32) m = fmaxf(m, ld(xr, a));
        #pragma unroll
        for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
        float s = 0.f;
        for (int a = lane; a < len; a += 32) s += __expf(ld(xr, a) - m);
        #pragma unroll
        for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
        float inv = 1.f / s, ls = __logf(s);
        for (int a = lane; a < len; a += 32) {
            float d = ld(xr, a) - m;
            st(yr, a, lg ? d - ls : __expf(d) * inv);
        }
    }
}
extern "C" __global__ void softmax_rows_f32(const float* x, float* y, i64 rows, int len, int lg) { softmax_rows(x, y, rows, len, lg); }
extern "C" __global__ void softmax_rows_f16(const __half* x, __half* y, i64 rows, int len, int lg) { softmax_rows(x, y, rows, len, lg); }
