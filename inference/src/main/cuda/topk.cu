// TopK along one axis, exact: the same elements in the same order as the CPU reference
// (dev.vahost.inference.internal.ops.IndexOps.TopK) and onnxruntime: values in order (descending
// for largest, ascending for smallest), equal values by lower index first, also when the ties
// decide which elements make the cut.
//
// Every element gets a 32-bit key whose unsigned order is the wanted order (float bits made
// monotonic, -0 counted as +0, every NaN as the canonical NaN above +inf; inverted for smallest),
// so the k-th key is found by radix selection: four passes of 8 bits, each a 256-bin
// shared-memory histogram (warp-aggregated atomics) of the keys that match the digits chosen so
// far. Then the keys above the k-th one are all taken (any order), the ones equal to it in index
// order until k are taken, and the k candidates, packed as (key << 32 | ~index), are sorted
// descending by a bitonic sort in shared memory, which puts equal keys in ascending index order.
//
// Launch geometry: one block per row (grid-stride over rows), blockDim a multiple of 32 and at most
// 1024 (the engine uses 32..512 by row length); dynamic shared memory 8*P + 4*(256 + 32 + 4) bytes
// with P = the next power of two >= k (k <= 4096: at most 33.9 KB, under the 48 KB default).
// Row element j is at x[(row / inner) * len * inner + row % inner + j * inner]: any axis, no
// transposition.
#include "common.cuh"

__device__ __forceinline__ unsigned topk_key(float v, int largest) {
    unsigned u = __float_as_uint(v);
    if (v != v) u = 0x7fc00000u;          // every NaN as the positive canonical NaN: above +inf
    else if (v == 0.f) u = 0u;            // -0 ties with +0 (they compare equal)
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return largest ? u : ~u;
}
__device__ __forceinline__ unsigned topk_key(__half v, int largest) { return topk_key(__half2float(v), largest); }
__device__ __forceinline__ unsigned topk_key(int v, int largest) {
    unsigned u = (unsigned)v ^ 0x80000000u;
    return largest ? u : ~u;
}

// S: storage type (float, __half or int); U: the same width as an unsigned type, copied as is.
template <typename S, typename U>
__device__ void topk_rows(const S* x, U* values, int* indices, i64 rows, int len, i64 inner, int k, int largest, int P) {
    extern __shared__ unsigned long long topk_smem[];
    unsigned long long* cand = topk_smem;            // [P] packed candidates
    int* hist = reinterpret_cast<int*>(topk_smem + P); // [256]
    int* warpCount = hist + 256;                     // [32]
    int* misc = warpCount + 32;                      // [0] chosen digit, [1] remaining k, [2] count of keys above
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, nWarps = blockDim.x >> 5;
    const unsigned FULL = 0xffffffffu;
    for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
        const i64 o = row / inner, in = row - o * inner;
        const S* xr = x + o * (i64)len * inner + in;
        const i64 outBase = o * (i64)k * inner + in;

        // 1. radix selection of the k-th key: prefix holds the chosen high digits, mask their bits.
        unsigned prefix = 0u, mask = 0u;
        int kRem = k;
        for (int shift = 24; shift >= 0; shift -= 8) {
            for (int b = tid; b < 256; b += blockDim.x) hist[b] = 0;
            __syncthreads();
            // Whole warps step together (the trip count is the same in every thread), so that the
            // lanes of a warp that fall into one bin add to it with one atomic: ties and the coarse
            // first digits put many keys of a warp into the same bin.
            for (int j0 = 0; j0 < len; j0 += blockDim.x) {
                int j = j0 + tid, bin = -1;
                if (j < len) {
                    unsigned key = topk_key(xr[(i64)j * inner], largest);
                    if ((key & mask) == prefix) bin = (int)((key >> shift) & 255u);
                }
                unsigned peers = __match_any_sync(FULL, bin);
                if (bin >= 0 && lane == __ffs(peers) - 1) atomicAdd(&hist[bin], __popc(peers));
            }
            __syncthreads();
            if (warp == 0) {
                // Bins from the top (255) down: lane l sums bins 255-8l .. 248-8l; an inclusive scan
                // over lanes gives the count at or above each lane's lowest bin. The first lane whose
                // inclusive count reaches kRem holds the bin of the k-th key (lane 31 always does:
                // its count is every key matching the prefix, at least kRem).
                int s = 0;
                #pragma unroll
                for (int j = 0; j < 8; ++j) s += hist[255 - 8 * lane - j];
                int incl = s;
                #pragma unroll
                for (int off = 1; off < 32; off <<= 1) {
                    int t = __shfl_up_sync(FULL, incl, off);
                    if (lane >= off) incl += t;
                }
                unsigned ball = __ballot_sync(FULL, incl >= kRem);
                int first = __ffs(ball) - 1;
                if (lane == first) {
                    int cum = incl - s; // keys in bins above this lane's bins
                    for (int j = 0; j < 8; ++j) {
                        int bin = 255 - 8 * lane - j;
                        int c = hist[bin];
                        if (cum + c >= kRem) {
                            misc[0] = bin;
                            misc[1] = kRem - cum;
                            break;
                        }
                        cum += c;
                    }
                }
            }
            __syncthreads();
            prefix |= (unsigned)misc[0] << shift;
            mask |= 255u << shift;
            kRem = misc[1];
            // misc is rewritten only after two more barriers, hist only after the next one: no race.
        }
        const unsigned kth = prefix;   // the k-th key; kRem of its equals are taken
        const int above = k - kRem;    // keys strictly above kth (exactly this many exist)

        // 2. compaction: keys above kth to slots [0, above) in any order; equal keys in index order
        // (chunks of blockDim elements; ballot ranks within a warp, warp counts across the block).
        if (tid == 0) misc[2] = 0;
        __syncthreads();
        int eqBase = 0; // equal keys in earlier chunks (the same in every thread)
        for (int c0 = 0; c0 < len; c0 += blockDim.x) {
            int j = c0 + tid;
            unsigned key = 0u;
            bool gt = false, eq = false;
            if (j < len) {
                key = topk_key(xr[(i64)j * inner], largest);
                gt = key > kth;
                eq = key == kth;
            }
            unsigned long long packed = ((unsigned long long)key << 32) | (unsigned long long)(~(unsigned)j);
            if (gt) cand[atomicAdd(&misc[2], 1)] = packed;
            unsigned b = __ballot_sync(FULL, eq);
            if (lane == 0) warpCount[warp] = __popc(b);
            __syncthreads();
            int total = 0, before = 0;
            for (int w = 0; w < nWarps; ++w) {
                int c = warpCount[w];
                if (w < warp) before += c;
                total += c;
            }
            if (eq) {
                int r = eqBase + before + __popc(b & ((1u << lane) - 1u));
                if (r < kRem) cand[above + r] = packed;
            }
            eqBase += total;
            __syncthreads(); // warpCount is rewritten by the next chunk
        }

        // 3. bitonic sort of the k candidates (padded with 0, below every real candidate since the
        // low word ~index of a real one is never 0), descending.
        for (int i = k + tid; i < P; i += blockDim.x) cand[i] = 0ull;
        __syncthreads();
        for (int size = 2; size <= P; size <<= 1) {
            for (int stride = size >> 1; stride > 0; stride >>= 1) {
                for (int i = tid; i < (P >> 1); i += blockDim.x) {
                    int lo = 2 * i - (i & (stride - 1)); // i with a 0 bit inserted at log2(stride)
                    int hi = lo + stride;
                    bool desc = (lo & size) == 0;
                    unsigned long long a = cand[lo], c = cand[hi];
                    if (desc ? a < c : a > c) {
                        cand[lo] = c;
                        cand[hi] = a;
                    }
                }
                __syncthreads();
            }
        }

        // 4. outputs
        const U* xu = reinterpret_cast<const U*>(xr);
        for (int i = tid; i < k; i += blockDim.x) {
            int j = (int)(~(unsigned)(cand[i] & 0xffffffffull));
            if (values) values[outBase + (i64)i * inner] = xu[(i64)j * inner];
            if (indices) indices[outBase + (i64)i * inner] = j;
        }
        __syncthreads(); // cand and misc are reused by the next row
    }
}

#define TOPK_ARGS i64 rows, int len, i64 inner, int k, int largest, int P
extern "C" __global__ void topk_f32(const float* x, unsigned* values, int* indices, TOPK_ARGS) { topk_rows(x, values, indices, rows, len, inner, k, largest, P); }
extern "C" __global__ void topk_f16(const __half* x, unsigned short* values, int* indices, TOPK_ARGS) { topk_rows(x, values, indices, rows, len, inner, k, largest, P); }
extern "C" __global__ void topk_i32(const int* x, unsigned* values, int* indices, TOPK_ARGS) { topk_rows(x, values, indices, rows, len, inner, k, largest, P); }
