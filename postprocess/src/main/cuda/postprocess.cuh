// Shared device code of the postprocess kernels (decode.cu, batched_nms.cu).
// Layouts here are mirrored by dev.vahost.postprocess.internal.Layout: change both together.
//
// Floating-point rule: every operation whose result the CPU reference (plain Java, IEEE float, no
// FMA) must reproduce bit for bit is written with the _rn intrinsics, so nvcc cannot contract a
// multiply and an add into one FMA. That is what lets the GPU tests demand identical kept indices.
#pragma once

#ifdef POSTPROCESS_EMU
#include "cuda_emu.h"   // CPU emulation used by the module's tests (src/test/emu)
#endif

#define PP_FULL_MASK 0xffffffffu

namespace pp {

// Per-image problem flags (ImageState.flags, result header); mirrored in ProblemFlags.java.
enum : int {
    FLAG_NONFINITE_SCORE = 1,
    FLAG_NONFINITE_BOX = 2,
    FLAG_NEGATIVE_SIZE = 4,
    FLAG_BAD_CLASS = 8,
    FLAG_CANDIDATE_OVERFLOW = 16,
    FLAG_RESULT_OVERFLOW = 32,
};

// One candidate box in model-input pixels, appended by a decoder. 32 bytes.
struct Candidate {
    float x1, y1, x2, y2;
    float score;
    int cls;
    int slot;   // index of the candidate in the raw output (anchor, or class*H*W + y*W + x)
    int pad;
};

// Per-image bookkeeping between the kernels of one batch. 32 bytes.
struct ImageState {
    int count;       // candidates appended by the decoder (may exceed the capacity: overflow)
    int flags;       // FLAG_* bits
    int firstBad;    // lowest slot that raised a flag (INT_MAX when none)
    int nSorted;     // candidates kept after the per-image cap
    int numSeg;      // NMS segments (classes present, or 1 class-agnostic)
    int totalTiles;  // 64x64 IoU tiles over all segments
    int kept;        // detections after NMS and top-k
    int pad;
};

// One final detection as it crosses to the host. 28 bytes.
struct Record {
    int cls;
    int slot;
    float score;
    float x1, y1, x2, y2;
};

// Result header per image (32 bytes), followed after maxBatch headers by the packed records.
struct ResultHeader {
    int count;       // records of this image in the packed area
    int flags;
    int firstBad;
    int candidates;  // candidates above the score threshold (before the cap)
    int offset;      // first record of this image in the packed area
    int keptBeforeCapacity;
    int pad0, pad1;
};

__device__ __forceinline__ bool is_finite(float f) {
    return (__float_as_uint(f) & 0x7f800000u) != 0x7f800000u;
}

// IEEE binary16 bits to float, exact (mirrored by Half.toFloat in Java).
__device__ __forceinline__ float half_to_float(unsigned short h) {
    unsigned int sign = ((unsigned int)h & 0x8000u) << 16;
    unsigned int exp = ((unsigned int)h >> 10) & 0x1fu;
    unsigned int man = (unsigned int)h & 0x3ffu;
    if (exp == 0) {
        float f = __fmul_rn((float)man, 5.9604644775390625e-8f);  // man * 2^-24, exact
        return sign ? -f : f;
    }
    if (exp == 31) return __uint_as_float(sign | 0x7f800000u | (man << 13));
    return __uint_as_float(sign | ((exp + 112u) << 23) | (man << 13));
}

__device__ __forceinline__ float load_value(const float* p) { return *p; }
__device__ __forceinline__ float load_value(const unsigned short* p) { return half_to_float(*p); }

// Sort key that orders scores descending when sorted ascending; -0 and +0 are one score.
__device__ __forceinline__ unsigned int score_key_desc(float s) {
    if (s == 0.0f) s = 0.0f;
    unsigned int u = __float_as_uint(s);
    unsigned int ord = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return ~ord;
}

// IoU(a, b) > thr with torchvision's arithmetic order; 0 for boxes that do not overlap with
// positive width and height (so zero-area boxes never suppress and are never suppressed).
__device__ __forceinline__ bool iou_above(float4 a, float4 b, float thr) {
    float left = fmaxf(a.x, b.x), right = fminf(a.z, b.z);
    float top = fmaxf(a.y, b.y), bottom = fminf(a.w, b.w);
    float w = __fsub_rn(right, left), h = __fsub_rn(bottom, top);
    if (!(w > 0.0f) || !(h > 0.0f)) return false;
    float inter = __fmul_rn(w, h);
    float areaA = __fmul_rn(__fsub_rn(a.z, a.x), __fsub_rn(a.w, a.y));
    float areaB = __fmul_rn(__fsub_rn(b.z, b.x), __fsub_rn(b.w, b.y));
    float uni = __fsub_rn(__fadd_rn(areaA, areaB), inter);
    return __fdiv_rn(inter, uni) > thr;
}

__device__ __forceinline__ unsigned int lanemask_lt() {
    return (1u << (threadIdx.x & 31)) - 1u;
}

__device__ __forceinline__ void raise_flag(ImageState* st, int bits, int slot) {
    atomicOr(&st->flags, bits);
    atomicMin(&st->firstBad, slot);
}

// Appends the candidate of every lane with valid=true; all 32 lanes of the warp must call it
// together (one atomic per warp, not per candidate).
__device__ __forceinline__ void warp_append(bool valid, const Candidate& c, ImageState* st, Candidate* out,
                                            int capacity) {
    unsigned int ballot = __ballot_sync(PP_FULL_MASK, valid);
    if (ballot == 0) return;
    int lane = threadIdx.x & 31;
    int leader = __ffs(ballot) - 1;
    int base = 0;
    if (lane == leader) base = atomicAdd(&st->count, __popc(ballot));
    base = __shfl_sync(PP_FULL_MASK, base, leader);
    if (valid) {
        int idx = base + __popc(ballot & lanemask_lt());
        if (idx < capacity) out[idx] = c;
        else atomicOr(&st->flags, FLAG_CANDIDATE_OVERFLOW);
    }
}

__device__ __forceinline__ Candidate make_candidate(float x1, float y1, float x2, float y2, float score, int cls,
                                                    int slot) {
    Candidate c;
    c.x1 = x1; c.y1 = y1; c.x2 = x2; c.y2 = y2;
    c.score = score; c.cls = cls; c.slot = slot; c.pad = 0;
    return c;
}

// Box from centre and size: x1 = cx - w*0.5 etc. (w*0.5 is exact, so this equals torchvision's
// and ultralytics' cx - w/2).
__device__ __forceinline__ void cxcywh_to_xyxy(float cx, float cy, float w, float h, float& x1, float& y1,
                                               float& x2, float& y2) {
    float hw = __fmul_rn(w, 0.5f), hh = __fmul_rn(h, 0.5f);
    x1 = __fsub_rn(cx, hw); y1 = __fsub_rn(cy, hh);
    x2 = __fadd_rn(cx, hw); y2 = __fadd_rn(cy, hh);
}

// exp and sigmoid in double, rounded once to float: matches Java's StrictMath.exp path except
// when the exact value lies within a double ulp of a float rounding boundary.
__device__ __forceinline__ float exp_f(float x) { return (float)exp((double)x); }
__device__ __forceinline__ float sigmoid_f(float x) { return (float)(1.0 / (1.0 + exp(-(double)x))); }

}  // namespace pp
