// Decoders: raw model outputs (device tensors, fp32 or fp16, any strides) -> candidate boxes in
// model-input pixels, appended per image with one atomic per warp. Launched by
// dev.vahost.postprocess.internal.PostprocessEngine; CPU reference in CpuDecode.java.
//
// Launch geometry (all decoders): grid (ceil(slots / 256) capped, batch), block 256. One thread per
// slot (anchor, prior or heatmap cell); blockIdx.y is the image so the per-image counters stay
// apart; the x dimension strides over slots with a trip count that is uniform across each warp,
// because warp_append needs all 32 lanes.
//
// Validation on the GPU: a non-finite score or box, a negative size or a class out of range raises a
// per-image flag (and records the lowest such slot); that slot is not a candidate. The host turns
// the flag into an exception naming the image, the slot and the rule.
#include "postprocess.cuh"

using namespace pp;

#define SLOT_LOOP(slots)                                                                   \
    for (int slot0 = blockIdx.x * blockDim.x; slot0 < (slots); slot0 += gridDim.x * blockDim.x)

// ---------------------------------------------------------------------------------------------
// YOLOv8-style [N, 4+C, A]: rows 0..3 = cx, cy, w, h in input pixels, rows 4.. = class scores
// (already sigmoided). Best class per anchor (ties: lowest class), candidate when score > thr.
template <typename T>
__device__ void yolov8(const T* out, long long sN, long long sR, long long sA, int classes, int anchors,
                       float thr, Candidate* cand, int capacity, ImageState* state) {
    const int b = blockIdx.y;
    ImageState* st = state + b;
    Candidate* dst = cand + (long long)b * capacity;
    SLOT_LOOP(anchors) {
        const int a = slot0 + threadIdx.x;
        bool valid = false;
        Candidate c;
        if (a < anchors) {
            const T* p = out + b * sN + a * sA;
            float cx = load_value(p), cy = load_value(p + sR), w = load_value(p + 2 * sR), h = load_value(p + 3 * sR);
            float best = 0.0f;
            int bestClass = -1;
            bool badScore = false;
#pragma unroll 8
            for (int k = 0; k < classes; ++k) {
                float s = load_value(p + (4 + k) * sR);
                if (!is_finite(s)) badScore = true;
                else if (bestClass < 0 || s > best) { best = s; bestClass = k; }
            }
            int bad = 0;
            if (badScore) bad |= FLAG_NONFINITE_SCORE;
            if (!is_finite(cx) || !is_finite(cy) || !is_finite(w) || !is_finite(h)) bad |= FLAG_NONFINITE_BOX;
            else if (w < 0.0f || h < 0.0f) bad |= FLAG_NEGATIVE_SIZE;
            if (bad) raise_flag(st, bad, a);
            else if (bestClass >= 0 && best > thr) {
                float x1, y1, x2, y2;
                cxcywh_to_xyxy(cx, cy, w, h, x1, y1, x2, y2);
                c = make_candidate(x1, y1, x2, y2, best, bestClass, a);
                valid = true;
            }
        }
        warp_append(valid, c, st, dst, capacity);
    }
}

extern "C" __global__ void __launch_bounds__(256) decode_yolov8_f32(
        const float* out, long long sN, long long sR, long long sA, int classes, int anchors, float thr,
        Candidate* cand, int capacity, ImageState* state) {
    yolov8(out, sN, sR, sA, classes, anchors, thr, cand, capacity, state);
}

extern "C" __global__ void __launch_bounds__(256) decode_yolov8_f16(
        const unsigned short* out, long long sN, long long sR, long long sA, int classes, int anchors, float thr,
        Candidate* cand, int capacity, ImageState* state) {
    yolov8(out, sN, sR, sA, classes, anchors, thr, cand, capacity, state);
}

// ---------------------------------------------------------------------------------------------
// SSD-style: loc [N, A, 4] = (dx, dy, dw, dh) encoded against priors [A] = (cx, cy, w, h) in input
// pixels with variances (Caffe SSD): cx = pcx + dx*vc*pw, w = pw*exp(min(dw*vs, logClip)).
// conf [N, A, C] logits: softmax over all C (background excluded from the best class) or sigmoid.
template <typename T>
__device__ void ssd(const T* loc, long long lN, long long lA, long long lK, const T* conf, long long cN,
                    long long cA, long long cC, const float* priors, int anchors, int classes, int background,
                    int softmax, float vCenter, float vSize, float logClip, float thr, Candidate* cand,
                    int capacity, ImageState* state) {
    const int b = blockIdx.y;
    ImageState* st = state + b;
    Candidate* dst = cand + (long long)b * capacity;
    SLOT_LOOP(anchors) {
        const int a = slot0 + threadIdx.x;
        bool valid = false;
        Candidate c;
        if (a < anchors) {
            const T* q = conf + b * cN + a * cA;
            float maxLogit = 0.0f, bestLogit = 0.0f;
            int bestClass = -1;
            bool badScore = false;
            for (int k = 0; k < classes; ++k) {
                float v = load_value(q + k * cC);
                if (!is_finite(v)) { badScore = true; continue; }
                if (k != background && (bestClass < 0 || v > bestLogit)) { bestLogit = v; bestClass = k; }
            }
            if (!badScore) {  // the softmax shift: max over all classes, background included
                maxLogit = load_value(q);
                for (int k = 1; k < classes; ++k) maxLogit = fmaxf(maxLogit, load_value(q + k * cC));
            }
            const T* l = loc + b * lN + a * lA;
            float dx = load_value(l), dy = load_value(l + lK), dw = load_value(l + 2 * lK), dh = load_value(l + 3 * lK);
            int bad = 0;
            if (badScore) bad |= FLAG_NONFINITE_SCORE;
            float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
            if (!is_finite(dx) || !is_finite(dy) || !is_finite(dw) || !is_finite(dh)) {
                bad |= FLAG_NONFINITE_BOX;
            } else {
                float pcx = priors[4 * a], pcy = priors[4 * a + 1], pw = priors[4 * a + 2], ph = priors[4 * a + 3];
                float cx = __fadd_rn(pcx, __fmul_rn(__fmul_rn(dx, vCenter), pw));
                float cy = __fadd_rn(pcy, __fmul_rn(__fmul_rn(dy, vCenter), ph));
                float lw = fminf(__fmul_rn(dw, vSize), logClip), lh = fminf(__fmul_rn(dh, vSize), logClip);
                float w = __fmul_rn(pw, exp_f(lw)), h = __fmul_rn(ph, exp_f(lh));
                cxcywh_to_xyxy(cx, cy, w, h, x1, y1, x2, y2);
                if (!is_finite(x1) || !is_finite(y1) || !is_finite(x2) || !is_finite(y2)) bad |= FLAG_NONFINITE_BOX;
            }
            if (bad) {
                raise_flag(st, bad, a);
            } else if (bestClass >= 0) {
                float score;
                if (softmax) {
                    float sum = 0.0f;
                    for (int k = 0; k < classes; ++k) sum = __fadd_rn(sum, exp_f(__fsub_rn(load_value(q + k * cC), maxLogit)));
                    score = __fdiv_rn(exp_f(__fsub_rn(bestLogit, maxLogit)), sum);
                } else {
                    score = sigmoid_f(bestLogit);
                }
                if (score > thr) {
                    c = make_candidate(x1, y1, x2, y2, score, bestClass, a);
                    valid = true;
                }
            }
        }
        warp_append(valid, c, st, dst, capacity);
    }
}

#define SSD_PARAMS(T)                                                                                   \
    const T *loc, long long lN, long long lA, long long lK, const T *conf, long long cN, long long cA,  \
        long long cC, const float *priors, int anchors, int classes, int background, int softmax,        \
        float vCenter, float vSize, float logClip, float thr, Candidate *cand, int capacity, ImageState *state
#define SSD_ARGS loc, lN, lA, lK, conf, cN, cA, cC, priors, anchors, classes, background, softmax, vCenter, vSize, \
        logClip, thr, cand, capacity, state

extern "C" __global__ void __launch_bounds__(256) decode_ssd_f32(SSD_PARAMS(float)) { ssd(SSD_ARGS); }
extern "C" __global__ void __launch_bounds__(256) decode_ssd_f16(SSD_PARAMS(unsigned short)) { ssd(SSD_ARGS); }

// ---------------------------------------------------------------------------------------------
// CenterNet-style: heat [N, C, H, W] (logits when sigmoid != 0, else scores), wh [N, 2, H, W] and
// optional offset [N, 2, H, W] in output-grid units, stride = input pixels per grid cell.
// Candidate: a 3x3 local maximum of the score (CenterNet's max-pool "hmax == heat") above thr.
// Box: x1 = (x + ox - w/2) * stride etc. Slot = (c*H + y)*W + x. wh/offset are validated only at
// candidate cells (elsewhere they are never read).
template <typename T>
__device__ void centernet(const T* heat, long long hN, long long hC, long long hY, long long hX, const T* wh,
                          long long wN, long long wC, long long wY, long long wX, const T* reg, long long rN,
                          long long rC, long long rY, long long rX, int classes, int height, int width, float stride,
                          int sigmoid, float thr, Candidate* cand, int capacity, ImageState* state) {
    const int b = blockIdx.y;
    ImageState* st = state + b;
    Candidate* dst = cand + (long long)b * capacity;
    const int slots = classes * height * width;
    SLOT_LOOP(slots) {
        const int s = slot0 + threadIdx.x;
        bool valid = false;
        Candidate c;
        if (s < slots) {
            const int x = s % width, y = (s / width) % height, k = s / (width * height);
            const T* hp = heat + b * hN + k * hC;
            float v = load_value(hp + y * hY + x * hX);
            if (!is_finite(v)) {
                raise_flag(st, FLAG_NONFINITE_SCORE, s);
            } else {
                float score = sigmoid ? sigmoid_f(v) : v;
                bool peak = score > thr;
                for (int dy = -1; dy <= 1 && peak; ++dy) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= height) continue;
                    for (int dx = -1; dx <= 1; ++dx) {
                        int xx = x + dx;
                        if ((dx == 0 && dy == 0) || xx < 0 || xx >= width) continue;
                        float u = load_value(hp + yy * hY + xx * hX);
                        if (sigmoid && is_finite(u)) u = sigmoid_f(u);
                        if (u > score) { peak = false; break; }
                    }
                }
                if (peak) {
                    const T* wp = wh + b * wN + y * wY + x * wX;
                    float w = load_value(wp), h = load_value(wp + wC);
                    float ox = 0.0f, oy = 0.0f;
                    if (reg != nullptr) {
                        const T* rp = reg + b * rN + y * rY + x * rX;
                        ox = load_value(rp);
                        oy = load_value(rp + rC);
                    }
                    int bad = 0;
                    if (!is_finite(w) || !is_finite(h) || !is_finite(ox) || !is_finite(oy)) bad = FLAG_NONFINITE_BOX;
                    else if (w < 0.0f || h < 0.0f) bad = FLAG_NEGATIVE_SIZE;
                    if (bad) {
                        raise_flag(st, bad, s);
                    } else {
                        float cx = __fadd_rn((float)x, ox), cy = __fadd_rn((float)y, oy);
                        float hw = __fmul_rn(w, 0.5f), hh = __fmul_rn(h, 0.5f);
                        c = make_candidate(__fmul_rn(__fsub_rn(cx, hw), stride), __fmul_rn(__fsub_rn(cy, hh), stride),
                                           __fmul_rn(__fadd_rn(cx, hw), stride), __fmul_rn(__fadd_rn(cy, hh), stride),
                                           score, k, s);
                        valid = true;
                    }
                }
            }
        }
        warp_append(valid, c, st, dst, capacity);
    }
}

#define CN_PARAMS(T)                                                                                        \
    const T *heat, long long hN, long long hC, long long hY, long long hX, const T *wh, long long wN,        \
        long long wC, long long wY, long long wX, const T *reg, long long rN, long long rC, long long rY,    \
        long long rX, int classes, int height, int width, float stride, int sigmoid, float thr, Candidate *cand, \
        int capacity, ImageState *state
#define CN_ARGS heat, hN, hC, hY, hX, wh, wN, wC, wY, wX, reg, rN, rC, rY, rX, classes, height, width, stride, \
        sigmoid, thr, cand, capacity, state

extern "C" __global__ void __launch_bounds__(256) decode_centernet_f32(CN_PARAMS(float)) { centernet(CN_ARGS); }
extern "C" __global__ void __launch_bounds__(256) decode_centernet_f16(CN_PARAMS(unsigned short)) { centernet(CN_ARGS); }

// ---------------------------------------------------------------------------------------------
// Pre-decoded candidates: boxes [N, M, 4] x1,y1,x2,y2 in input pixels, scores [N, M], classes
// [N, M] int32 (a model with its own box decoding, or NMS alone).
template <typename T>
__device__ void candidates(const T* boxes, long long bN, long long bM, long long bK, const T* scores, long long sN,
                           long long sM, const int* classes, long long kN, long long kM, int count, int numClasses,
                           float thr, Candidate* cand, int capacity, ImageState* state) {
    const int b = blockIdx.y;
    ImageState* st = state + b;
    Candidate* dst = cand + (long long)b * capacity;
    SLOT_LOOP(count) {
        const int m = slot0 + threadIdx.x;
        bool valid = false;
        Candidate c;
        if (m < count) {
            const T* bp = boxes + b * bN + m * bM;
            float x1 = load_value(bp), y1 = load_value(bp + bK), x2 = load_value(bp + 2 * bK), y2 = load_value(bp + 3 * bK);
            float s = load_value(scores + b * sN + m * sM);
            int k = classes[b * kN + m * kM];
            int bad = 0;
            if (!is_finite(s)) bad |= FLAG_NONFINITE_SCORE;
            if (!is_finite(x1) || !is_finite(y1) || !is_finite(x2) || !is_finite(y2)) bad |= FLAG_NONFINITE_BOX;
            else if (x2 < x1 || y2 < y1) bad |= FLAG_NEGATIVE_SIZE;
            if (k < 0 || k >= numClasses) bad |= FLAG_BAD_CLASS;
            if (bad) raise_flag(st, bad, m);
            else if (s > thr) {
                c = make_candidate(x1, y1, x2, y2, s, k, m);
                valid = true;
            }
        }
        warp_append(valid, c, st, dst, capacity);
    }
}

#define CAND_PARAMS(T)                                                                                      \
    const T *boxes, long long bN, long long bM, long long bK, const T *scores, long long sN, long long sM,   \
        const int *classes, long long kN, long long kM, int count, int numClasses, float thr, Candidate *cand, \
        int capacity, ImageState *state
#define CAND_ARGS boxes, bN, bM, bK, scores, sN, sM, classes, kN, kM, count, numClasses, thr, cand, capacity, state

extern "C" __global__ void __launch_bounds__(256) decode_candidates_f32(CAND_PARAMS(float)) { candidates(CAND_ARGS); }
extern "C" __global__ void __launch_bounds__(256) decode_candidates_f16(CAND_PARAMS(unsigned short)) { candidates(CAND_ARGS); }
