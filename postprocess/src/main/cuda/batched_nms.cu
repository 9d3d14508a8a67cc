// Batched, class-aware NMS for a whole batch on the GPU, with torchvision.ops.batched_nms
// semantics: candidates in (score desc, slot asc) order; a box is suppressed when its IoU with a
// kept, higher-ranked box of the same image and class is strictly greater than the threshold.
// Launched by dev.vahost.postprocess.internal.PostprocessEngine, in this order, on one stream:
//
//   1 nms_sort_segments   grid N, block 1024: per image, LSD radix sort of (score, slot) keys,
//                         cap to the top maxCandidates, stable sort by class, segment table.
//                         Mode NO_NMS (end-to-end decoders such as DETR): sort and cap only, every
//                         capped candidate kept; the host then skips kernels 2 and 3.
//   2 nms_iou_mask        grid (G, N), block 64: 64x64 IoU tiles within each class segment -> 64-bit
//                         masks (like torchvision's kernel, but only inside a class segment).
//   3 nms_reduce_segments grid N, block 512: one warp per segment scans its mask serially.
//   4 nms_select_topk     grid N, block 1024: first topK kept in score order, mapped to source
//                         pixels through the letterbox table and clipped.
//   5 nms_pack_results    grid N, block 256: packs all images' detections behind a header, so the
//                         host copies one small contiguous block; resets per-image state.
//
// No kernel needs the host between them: sizes travel in ImageState.
#include "postprocess.cuh"

using namespace pp;

typedef unsigned long long u64;
typedef unsigned int u32;

// ---------------------------------------------------------------------------------------------
// Block-wide helpers (blockDim.x a multiple of 32, at most 1024).

template <typename T>
__device__ __forceinline__ T warp_inclusive_sum(T x) {
    const int lane = threadIdx.x & 31;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        T y = __shfl_up_sync(PP_FULL_MASK, x, o);
        if (lane >= o) x += y;
    }
    return x;
}

// Exclusive prefix sum over the block; every thread must call it. scratch: 32 shared elements.
template <typename T>
__device__ T block_exclusive_sum(T v, T& total, T* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    T x = warp_inclusive_sum(v);
    if (lane == 31) scratch[warp] = x;
    __syncthreads();
    if (warp == 0) {
        T s = lane < nw ? scratch[lane] : (T)0;
        s = warp_inclusive_sum(s);
        scratch[lane] = s;
    }
    __syncthreads();
    T prefix = warp ? scratch[warp - 1] : (T)0;
    total = scratch[nw - 1];
    __syncthreads();  // scratch may be reused by the next call
    return prefix + x - v;
}

// ---------------------------------------------------------------------------------------------
// 1. Sort and segment.

#define SORT_THREADS 1024
#define SORT_WARPS (SORT_THREADS / 32)
#define RADIX 256

struct SortShared {
    u32 warpCount[SORT_WARPS * RADIX];  // [warp][digit]: counts, then exclusive prefix over warps
    u32 hist[RADIX];
    u32 base[RADIX];
    u32 tileTotal[RADIX];
    u32 warpSum[8];
    int skip;
    u64 scan64[32];
    int scan32[32];
};

// One stable LSD pass on byte (shift/8) of the keys: (ks, vs)[0, n) -> (kd, vd). Returns false (and
// moves nothing) when every key has the same digit. Every thread of the block must call it.
__device__ bool radix_pass(const u64* ks, const u32* vs, u64* kd, u32* vd, int n, int shift, SortShared& sh) {
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    if (tid < RADIX) sh.hist[tid] = 0;
    if (tid == 0) sh.skip = 0;
    __syncthreads();
    for (int i = tid; i < n; i += SORT_THREADS) atomicAdd(&sh.hist[(u32)(ks[i] >> shift) & 255u], 1u);
    __syncthreads();
    if (tid < RADIX && sh.hist[tid] == (u32)n) sh.skip = 1;  // one digit for all (or n == 0)
    __syncthreads();
    const bool skip = sh.skip != 0;
    __syncthreads();
    if (skip) return false;

    // Exclusive scan of the histogram by warps 0..7 -> base.
    u32 h = 0, x = 0;
    if (tid < RADIX) {
        h = sh.hist[tid];
        x = warp_inclusive_sum(h);
        if (lane == 31) sh.warpSum[warp] = x;
    }
    __syncthreads();
    if (tid < RADIX) {
        u32 pre = 0;
        for (int w = 0; w < warp; ++w) pre += sh.warpSum[w];
        sh.base[tid] = pre + x - h;
    }
    __syncthreads();

    // Tiles of 1024 in order: rank = base[d] + (same digit in earlier warps) + (same digit in
    // earlier lanes). Element i is thread i of its tile, so the scatter is stable.
    for (int t0 = 0; t0 < n; t0 += SORT_THREADS) {
        const int i = t0 + tid;
        const bool valid = i < n;
        const u64 k = valid ? ks[i] : 0ull;
        const u32 v = valid ? vs[i] : 0u;
        const u32 d = valid ? ((u32)(k >> shift) & 255u) : 256u;
        for (int j = tid; j < SORT_WARPS * RADIX; j += SORT_THREADS) sh.warpCount[j] = 0;
        __syncthreads();
        const u32 peers = __match_any_sync(PP_FULL_MASK, d);
        const u32 rank = __popc(peers & lanemask_lt());
        if (valid && rank == 0) sh.warpCount[warp * RADIX + d] = __popc(peers);
        __syncthreads();
        if (tid < RADIX) {
            u32 run = 0;
            for (int w = 0; w < SORT_WARPS; ++w) {
                u32 c = sh.warpCount[w * RADIX + tid];
                sh.warpCount[w * RADIX + tid] = run;
                run += c;
            }
            sh.tileTotal[tid] = run;
        }
        __syncthreads();
        if (valid) {
            const u32 pos = sh.base[d] + sh.warpCount[warp * RADIX + d] + rank;
            kd[pos] = k;
            vd[pos] = v;
        }
        __syncthreads();
        if (tid < RADIX) sh.base[tid] += sh.tileTotal[tid];
        // The next tile zeroes warpCount only after everyone passed the barrier above; base is read
        // again only after two more barriers.
    }
    __syncthreads();
    return true;
}

// Per image b (all arrays are per image, at b * their stride):
//   cand[capacity] candidates from the decoder, state.count of them (more = overflow, flagged)
//   keysA/keysB[capacity], valsA/valsB[capacity]: radix ping-pong
//   byScore[cap]: candidate index of score rank p (after the cap)
//   rowP[cap]: score rank p of sorted row i (rows in (class, score, slot) order)
//   sbox[cap]: box of row i;  keep[cap]: cleared, indexed by p
//   segStart/segCount/segTileEnd/segMaskOff[segCapacity]: one entry per class present
// mode: SORT_CLASS_AGNOSTIC, SORT_CLASS_AWARE, or SORT_NO_NMS: only byScore is written and the keep
// flag of every capped candidate is set (rowP, sbox and the segment arrays are not touched and may
// be null), so nms_select_topk takes the top `cap` in score order.
#define SORT_CLASS_AGNOSTIC 0
#define SORT_CLASS_AWARE 1
#define SORT_NO_NMS 2
extern "C" __global__ void __launch_bounds__(SORT_THREADS) nms_sort_segments(
        ImageState* state, const Candidate* cand, int capacity, int cap, int mode, int classBytes,
        u64* keysA, u64* keysB, u32* valsA, u32* valsB, u32* byScore, u32* rowP, float4* sbox,
        unsigned char* keep, int* segStart, int* segCount, int* segTileEnd, int* segMaskOff, int segCapacity) {
    __shared__ SortShared sh;
    const int b = blockIdx.x, tid = threadIdx.x;
    ImageState* st = state + b;
    const Candidate* c = cand + (long long)b * capacity;
    u64* kA = keysA + (long long)b * capacity;
    u64* kB = keysB + (long long)b * capacity;
    u32* vA = valsA + (long long)b * capacity;
    u32* vB = valsB + (long long)b * capacity;
    u32* bs = byScore + (long long)b * cap;
    unsigned char* kp = keep + (long long)b * cap;

    const int n = min(st->count, capacity);
    for (int i = tid; i < n; i += SORT_THREADS) {
        kA[i] = ((u64)score_key_desc(c[i].score) << 32) | (u64)(u32)c[i].slot;
        vA[i] = (u32)i;
    }
    __syncthreads();

    // (score desc, slot asc): keys are unique, so the order does not depend on the append order.
    u64 *ks = kA, *kd = kB;
    u32 *vs = vA, *vd = vB;
    for (int shift = 0; shift < 64; shift += 8) {
        if (radix_pass(ks, vs, kd, vd, n, shift, sh)) {
            u64* tk = ks; ks = kd; kd = tk;
            u32* tv = vs; vs = vd; vd = tv;
        }
    }
    const int m = min(n, cap);
    for (int p = tid; p < m; p += SORT_THREADS) bs[p] = vs[p];
    if (mode == SORT_NO_NMS) {  // uniform over the block: no barrier follows
        for (int p = tid; p < m; p += SORT_THREADS) kp[p] = 1;
        if (tid == 0) {
            st->nSorted = m;
            st->numSeg = 0;
            st->totalTiles = 0;
        }
        return;
    }
    const bool classAware = mode == SORT_CLASS_AWARE;
    u32* rp = rowP + (long long)b * cap;
    float4* bx = sbox + (long long)b * cap;
    int* sStart = segStart + (long long)b * segCapacity;
    int* sCount = segCount + (long long)b * segCapacity;
    int* sTileEnd = segTileEnd + (long long)b * segCapacity;
    int* sMaskOff = segMaskOff + (long long)b * segCapacity;
    __syncthreads();

    // Rows: stable sort of score ranks by class (class-aware), so each class is one segment in
    // score order; class-agnostic rows are the score ranks themselves.
    const u32* rows;
    const u64* rowClass = nullptr;
    if (classAware) {
        for (int p = tid; p < m; p += SORT_THREADS) {
            kA[p] = (u64)(u32)c[bs[p]].cls;
            vA[p] = (u32)p;
        }
        __syncthreads();
        ks = kA; kd = kB; vs = vA; vd = vB;
        for (int shift = 0; shift < 8 * classBytes; shift += 8) {
            if (radix_pass(ks, vs, kd, vd, m, shift, sh)) {
                u64* tk = ks; ks = kd; kd = tk;
                u32* tv = vs; vs = vd; vd = tv;
            }
        }
        rows = vs;
        rowClass = ks;
    } else {
        for (int p = tid; p < m; p += SORT_THREADS) vA[p] = (u32)p;
        __syncthreads();
        rows = vA;
    }
    for (int i = tid; i < m; i += SORT_THREADS) {
        const u32 p = rows[i];
        const Candidate& cc = c[bs[p]];
        rp[i] = p;
        bx[i] = make_float4(cc.x1, cc.y1, cc.x2, cc.y2);
        kp[p] = 0;
    }
    __syncthreads();

    // Segment heads -> segStart.
    int numSeg;
    if (!classAware) {
        numSeg = m > 0 ? 1 : 0;
        if (tid == 0 && m > 0) sStart[0] = 0;
    } else {
        int carry = 0;
        for (int t0 = 0; t0 < m; t0 += SORT_THREADS) {
            const int i = t0 + tid;
            const int head = (i < m && (i == 0 || rowClass[i] != rowClass[i - 1])) ? 1 : 0;
            int total;
            const int ex = block_exclusive_sum(head, total, sh.scan32);
            if (head) sStart[carry + ex] = i;
            carry += total;
        }
        numSeg = carry;
    }
    __syncthreads();

    // Per segment: count, tiles (T*T, T = ceil(count/64)) and mask words (count*T), scanned as one
    // 64-bit value (tiles high, words low; neither sum reaches 2^32 for cap <= 32768).
    u64 carry = 0;
    for (int s0 = 0; s0 < numSeg; s0 += SORT_THREADS) {
        const int s = s0 + tid;
        u64 v = 0;
        int tiles = 0;
        if (s < numSeg) {
            const int start = sStart[s];
            const int end = s + 1 < numSeg ? sStart[s + 1] : m;
            const int cnt = end - start;
            const int T = (cnt + 63) >> 6;
            tiles = T * T;
            v = ((u64)(u32)tiles << 32) | (u64)(u32)(cnt * T);
            sCount[s] = cnt;
        }
        u64 total;
        const u64 ex = block_exclusive_sum(v, total, sh.scan64);
        if (s < numSeg) {
            const u64 at = carry + ex;
            sMaskOff[s] = (int)(u32)at;
            sTileEnd[s] = (int)(at >> 32) + tiles;
        }
        carry += total;
    }
    if (tid == 0) {
        st->nSorted = m;
        st->numSeg = numSeg;
        st->totalTiles = (int)(carry >> 32);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. IoU masks. Segment s with cnt rows has T = ceil(cnt/64) word columns; row r's word cb (cb >=
// r/64) has bit j set when IoU(row r, row 64*cb + j) > thr and 64*cb + j > r. Words left of the
// diagonal are never written nor read. Geometry: grid (G, N), block 64 = one row of a tile per
// thread; the G blocks of an image stride over its tiles (how many is known only on the device).

extern "C" __global__ void __launch_bounds__(64) nms_iou_mask(
        const ImageState* state, const float4* sbox, int cap, const int* segStart, const int* segCount,
        const int* segTileEnd, const int* segMaskOff, int segCapacity, u64* mask, long long maskStride,
        float iouThreshold) {
    __shared__ float4 col[64];
    const int b = blockIdx.y, tid = threadIdx.x;
    const ImageState st = state[b];
    const float4* bx = sbox + (long long)b * cap;
    const int* sStart = segStart + (long long)b * segCapacity;
    const int* sCount = segCount + (long long)b * segCapacity;
    const int* sTileEnd = segTileEnd + (long long)b * segCapacity;
    const int* sMaskOff = segMaskOff + (long long)b * segCapacity;
    u64* mk = mask + (long long)b * maskStride;

    for (int t = blockIdx.x; t < st.totalTiles; t += gridDim.x) {
        int lo = 0, hi = st.numSeg - 1;  // first segment whose tile range ends after t
        while (lo < hi) {
            const int mid = (lo + hi) >> 1;
            if (sTileEnd[mid] > t) hi = mid; else lo = mid + 1;
        }
        const int s = lo;
        const int cnt = sCount[s], T = (cnt + 63) >> 6;
        const int local = t - (sTileEnd[s] - T * T);
        const int rb = local / T, cb = local % T;
        if (cb < rb) continue;  // uniform over the block: below the diagonal
        const int start = sStart[s];
        const int j = cb * 64 + tid;
        if (j < cnt) col[tid] = bx[start + j];
        __syncthreads();
        const int i = rb * 64 + tid;
        if (i < cnt) {
            const float4 a = bx[start + i];
            const int jn = min(64, cnt - cb * 64);
            u64 bits = 0;
            for (int jj = (rb == cb) ? tid + 1 : 0; jj < jn; ++jj) {
                if (iou_above(a, col[jj], iouThreshold)) bits |= 1ull << jj;
            }
            mk[(long long)sMaskOff[s] + (long long)i * T + cb] = bits;
        }
        __syncthreads();
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Greedy reduction, one warp per segment (segments are independent). Lane l holds the
// "removed" words l, l+32, ... in registers (T <= 512 words, so cap <= 32768). Per 64-row chunk:
// the chunk's diagonal words decide within the chunk (serial over kept rows only, broadcast by
// shuffle), then the kept rows' later words are ORed into "removed". A segment stops after topK
// kept: a class cannot place more than topK boxes in the final top-k. Geometry: grid N, block 512.

#define REDUCE_THREADS 512
#define REMOVED_WORDS_PER_LANE 16

extern "C" __global__ void __launch_bounds__(REDUCE_THREADS) nms_reduce_segments(
        const ImageState* state, const int* segStart, const int* segCount, const int* segMaskOff,
        int segCapacity, const u64* mask, long long maskStride, const u32* rowP, int cap,
        unsigned char* keep, int topK) {
    const int b = blockIdx.x, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int numSeg = state[b].numSeg;
    const u32* rp = rowP + (long long)b * cap;
    unsigned char* kp = keep + (long long)b * cap;

    for (int s = warp; s < numSeg; s += REDUCE_THREADS / 32) {
        const int start = segStart[(long long)b * segCapacity + s];
        const int cnt = segCount[(long long)b * segCapacity + s];
        const int T = (cnt + 63) >> 6;
        const u64* mk = mask + (long long)b * maskStride + segMaskOff[(long long)b * segCapacity + s];
        u64 removed[REMOVED_WORDS_PER_LANE];
#pragma unroll
        for (int q = 0; q < REMOVED_WORDS_PER_LANE; ++q) removed[q] = 0;
        int kept = 0;
        for (int c = 0; c < T && kept < topK; ++c) {
            const int rows = min(64, cnt - c * 64);
            const int r0 = c * 64 + lane, r1 = r0 + 32;
            const u64 d0 = lane < rows ? mk[(long long)r0 * T + c] : 0ull;
            const u64 d1 = lane + 32 < rows ? mk[(long long)r1 * T + c] : 0ull;
            u64 mine = 0;
#pragma unroll
            for (int q = 0; q < REMOVED_WORDS_PER_LANE; ++q) if (q == (c >> 5)) mine = removed[q];
            const u64 removedHere = __shfl_sync(PP_FULL_MASK, mine, c & 31);
            const u64 inChunk = rows == 64 ? ~0ull : ((1ull << rows) - 1ull);
            u64 todo = inChunk & ~removedHere, keptBits = 0;
            while (todo != 0ull && kept < topK) {  // uniform: todo and kept are the same in every lane
                const int r = __ffsll((long long)todo) - 1;
                keptBits |= 1ull << r;
                ++kept;
                const u64 dr = __shfl_sync(PP_FULL_MASK, r < 32 ? d0 : d1, r & 31);
                todo &= ~dr;
                todo &= ~(1ull << r);
            }
            if ((keptBits >> lane) & 1ull) kp[rp[start + r0]] = 1;
            if ((keptBits >> (lane + 32)) & 1ull) kp[rp[start + r1]] = 1;
            if (c + 1 < T) {
                u64 kb = keptBits;
                while (kb != 0ull) {
                    const int r = __ffsll((long long)kb) - 1;
                    kb &= kb - 1ull;
                    const u64* row = mk + (long long)(c * 64 + r) * T;
#pragma unroll
                    for (int q = 0; q < REMOVED_WORDS_PER_LANE; ++q) {
                        const int k = lane + 32 * q;
                        if (k > c && k < T) removed[q] |= row[k];
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Top-k in score order, mapped to source pixels: x = clamp((x - padX) / scaleX, 0, srcW).
// mapping: 6 floats per image (scaleX, scaleY, padX, padY, srcW, srcH). Geometry: grid N, block
// 1024 scanning the keep flags of one image in tiles; stops once topK are found.

extern "C" __global__ void __launch_bounds__(1024) nms_select_topk(
        ImageState* state, const unsigned char* keep, const u32* byScore, int cap, const Candidate* cand,
        int capacity, const float* mapping, Record* staging, int topK) {
    __shared__ int scratch[32];
    const int b = blockIdx.x, tid = threadIdx.x;
    const int m = state[b].nSorted;
    const unsigned char* kp = keep + (long long)b * cap;
    const u32* bs = byScore + (long long)b * cap;
    const Candidate* c = cand + (long long)b * capacity;
    Record* out = staging + (long long)b * topK;
    const float* map = mapping + 6 * b;
    const float sx = map[0], sy = map[1], px = map[2], py = map[3], sw = map[4], shh = map[5];
    int carry = 0;
    for (int t0 = 0; t0 < m && carry < topK; t0 += blockDim.x) {
        const int p = t0 + tid;
        const int f = (p < m && kp[p]) ? 1 : 0;
        int total;
        const int r = carry + block_exclusive_sum(f, total, scratch);
        if (f && r < topK) {
            const Candidate& cc = c[bs[p]];
            Record rec;
            rec.cls = cc.cls;
            rec.slot = cc.slot;
            rec.score = cc.score;
            rec.x1 = fminf(fmaxf(__fdiv_rn(__fsub_rn(cc.x1, px), sx), 0.0f), sw);
            rec.y1 = fminf(fmaxf(__fdiv_rn(__fsub_rn(cc.y1, py), sy), 0.0f), shh);
            rec.x2 = fminf(fmaxf(__fdiv_rn(__fsub_rn(cc.x2, px), sx), 0.0f), sw);
            rec.y2 = fminf(fmaxf(__fdiv_rn(__fsub_rn(cc.y2, py), sy), 0.0f), shh);
            out[r] = rec;
        }
        carry += total;
    }
    if (tid == 0) state[b].kept = min(carry, topK);
}

// ---------------------------------------------------------------------------------------------
// 5. Pack: image b's records go to offset sum(kept[0..b)) of the record area (capacity records),
// behind maxBatch ResultHeaders. Then image b's decoder state is reset for the next batch (only
// block b reads count/flags/firstBad; other blocks read only .kept). Geometry: grid N, block 256.

extern "C" __global__ void __launch_bounds__(256) nms_pack_results(
        ImageState* state, const Record* staging, int topK, ResultHeader* header, Record* records,
        int recordCapacity) {
    __shared__ int offset;
    const int b = blockIdx.x, tid = threadIdx.x;
    if (tid == 0) {
        int o = 0;
        for (int j = 0; j < b; ++j) o += state[j].kept;
        offset = o;
    }
    __syncthreads();
    const int off = offset;
    const int k = state[b].kept;
    const int fits = max(0, min(k, recordCapacity - off));
    for (int r = tid; r < fits; r += blockDim.x) records[off + r] = staging[(long long)b * topK + r];
    if (tid == 0) {
        ImageState* st = state + b;
        ResultHeader h;
        h.count = fits;
        h.flags = st->flags | (fits < k ? FLAG_RESULT_OVERFLOW : 0);
        h.firstBad = st->firstBad;
        h.candidates = st->count;
        h.offset = min(off, recordCapacity);
        h.keptBeforeCapacity = k;
        h.pad0 = 0;
        h.pad1 = 0;
        header[b] = h;
        st->count = 0;
        st->flags = 0;
        st->firstBad = 0x7fffffff;
    }
}

// Puts every image's state in its initial form (at construction, and after a failed submit).
// Geometry: grid 1, block 256 over maxBatch images.
extern "C" __global__ void __launch_bounds__(256) nms_reset_state(ImageState* state, int maxBatch) {
    for (int b = threadIdx.x; b < maxBatch; b += blockDim.x) {
        ImageState s;
        s.count = 0; s.flags = 0; s.firstBad = 0x7fffffff; s.nSorted = 0;
        s.numSeg = 0; s.totalTiles = 0; s.kept = 0; s.pad = 0;
        state[b] = s;
    }
}
