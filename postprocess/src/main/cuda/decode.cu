// Decoders: raw model outputs (device tensors, fp32 or fp16, any strides) -> candidate boxes in
// model-input pixels, appended per image with one atomic per warp. Launched by
// dev.vahost.postprocess.internal.PostprocessEngine; CPU reference in CpuDecode.java.
//
// Launch geometry (all decoders): grid (ceil(slots / 256) capped, batch), block 256. One thread per
// slot (anchor, prior, heatmap or grid cell, DETR query or (query, class) pair); blockIdx.y is the
// image so the per-image counters stay apart; the x dimension strides over slots with a trip count
// that is uniform across each warp, because warp_append needs all 32 lanes.
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

// ---------------------------------------------------------------------------------------------
// YOLOv5/v7-style [N, A, 5+C] (ultralytics export): columns cx, cy, w, h in input pixels, objectness,
// C class scores, all already sigmoided. Score = obj * class score. Best-class mode: one candidate per
// anchor, the class with the highest class score (ties: lowest), slot = anchor. Multi-label mode:
// one candidate per (anchor, class) whose obj * score passes, slot = anchor * C + class (the loop
// over classes has the same trip count in every lane, so warp_append sees the whole warp). A
// problem of an anchor is raised at its first slot (anchor, or anchor * C in multi-label mode).
template <typename T>
__device__ void yolov5(const T* out, long long sN, long long sA, long long sR, int classes, int anchors,
                       int multiLabel, float thr, Candidate* cand, int capacity, ImageState* state) {
    const int b = blockIdx.y;
    ImageState* st = state + b;
    Candidate* dst = cand + (long long)b * capacity;
    SLOT_LOOP(anchors) {
        const int a = slot0 + threadIdx.x;
        const bool inRange = a < anchors;
        const T* p = out + b * sN + (long long)(inRange ? a : 0) * sA;
        float x1 = 0, y1 = 0, x2 = 0, y2 = 0, obj = 0.0f, best = 0.0f;
        int bestClass = -1, bad = 0;
        if (inRange) {
            float cx = load_value(p), cy = load_value(p + sR), w = load_value(p + 2 * sR), h = load_value(p + 3 * sR);
            obj = load_value(p + 4 * sR);
            if (!is_finite(obj)) bad |= FLAG_NONFINITE_SCORE;
            for (int k = 0; k < classes; ++k) {
                float s = load_value(p + (5 + k) * sR);
                if (!is_finite(s)) bad |= FLAG_NONFINITE_SCORE;
                else if (bestClass < 0 || s > best) { best = s; bestClass = k; }
            }
            if (!is_finite(cx) || !is_finite(cy) || !is_finite(w) || !is_finite(h)) bad |= FLAG_NONFINITE_BOX;
            else if (w < 0.0f || h < 0.0f) bad |= FLAG_NEGATIVE_SIZE;
            else cxcywh_to_xyxy(cx, cy, w, h, x1, y1, x2, y2);
            if (bad) raise_flag(st, bad, multiLabel ? a * classes : a);
        }
        const bool ok = inRange && bad == 0;
        if (!multiLabel) {
            Candidate c;
            bool valid = false;
            if (ok && bestClass >= 0) {
                float score = __fmul_rn(obj, best);
                if (score > thr) {
                    c = make_candidate(x1, y1, x2, y2, score, bestClass, a);
                    valid = true;
                }
            }
            warp_append(valid, c, st, dst, capacity);
        } else {
            for (int k = 0; k < classes; ++k) {
                Candidate c;
                bool valid = false;
                if (ok) {
                    float score = __fmul_rn(obj, load_value(p + (5 + k) * sR));
                    if (score > thr) {
                        c = make_candidate(x1, y1, x2, y2, score, k, a * classes + k);
                        valid = true;
                    }
                }
                warp_append(valid, c, st, dst, capacity);
            }
        }
    }
}

#define V5_PARAMS(T)                                                                                   \
    const T *out, long long sN, long long sA, long long sR, int classes, int anchors, int multiLabel,  \
        float thr, Candidate *cand, int capacity, ImageState *state
#define V5_ARGS out, sN, sA, sR, classes, anchors, multiLabel, thr, cand, capacity, state

extern "C" __global__ void __launch_bounds__(256) decode_yolov5_f32(V5_PARAMS(float)) { yolov5(V5_ARGS); }
extern "C" __global__ void __launch_bounds__(256) decode_yolov5_f16(V5_PARAMS(unsigned short)) { yolov5(V5_ARGS); }

// ---------------------------------------------------------------------------------------------
// YOLOX raw head [N, A, 5+C] (export with decode_in_inference=False): x, y offsets in grid cells,
// log w, log h, objectness and C class scores (both already sigmoided). levels: numLevels x (first
// anchor, grid width, grid height, stride) as floats (integers < 2^24, exact); anchors are level by
// level, row-major within a level. cx = (x + gx) * s, w = exp(lw) * s; score = obj * best class
// score (ties: lowest class). A box that overflows (exp of a huge log size) is invalid.
template <typename T>
__device__ void yolox(const T* out, long long sN, long long sA, long long sR, int classes, int anchors,
                      const float* levels, int numLevels, float thr, Candidate* cand, int capacity,
                      ImageState* state) {
    const int b = blockIdx.y;
    ImageState* st = state + b;
    Candidate* dst = cand + (long long)b * capacity;
    SLOT_LOOP(anchors) {
        const int a = slot0 + threadIdx.x;
        bool valid = false;
        Candidate c;
        if (a < anchors) {
            const T* p = out + b * sN + (long long)a * sA;
            float x = load_value(p), y = load_value(p + sR), lw = load_value(p + 2 * sR), lh = load_value(p + 3 * sR);
            float obj = load_value(p + 4 * sR), best = 0.0f;
            int bestClass = -1, bad = 0;
            if (!is_finite(obj)) bad |= FLAG_NONFINITE_SCORE;
            for (int k = 0; k < classes; ++k) {
                float s = load_value(p + (5 + k) * sR);
                if (!is_finite(s)) bad |= FLAG_NONFINITE_SCORE;
                else if (bestClass < 0 || s > best) { best = s; bestClass = k; }
            }
            float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
            if (!is_finite(x) || !is_finite(y) || !is_finite(lw) || !is_finite(lh)) {
                bad |= FLAG_NONFINITE_BOX;
            } else {
                int l = 0;
                while (l + 1 < numLevels && a >= (int)levels[4 * (l + 1)]) ++l;
                const int local = a - (int)levels[4 * l], gw = (int)levels[4 * l + 1];
                const float s = levels[4 * l + 3];
                const float gx = (float)(local % gw), gy = (float)(local / gw);
                float cx = __fmul_rn(__fadd_rn(x, gx), s), cy = __fmul_rn(__fadd_rn(y, gy), s);
                float w = __fmul_rn(exp_f(lw), s), h = __fmul_rn(exp_f(lh), s);
                cxcywh_to_xyxy(cx, cy, w, h, x1, y1, x2, y2);
                if (!is_finite(x1) || !is_finite(y1) || !is_finite(x2) || !is_finite(y2)) bad |= FLAG_NONFINITE_BOX;
            }
            if (bad) {
                raise_flag(st, bad, a);
            } else if (bestClass >= 0) {
                float score = __fmul_rn(obj, best);
                if (score > thr) {
                    c = make_candidate(x1, y1, x2, y2, score, bestClass, a);
                    valid = true;
                }
            }
        }
        warp_append(valid, c, st, dst, capacity);
    }
}

#define YX_PARAMS(T)                                                                                   \
    const T *out, long long sN, long long sA, long long sR, int classes, int anchors, const float *levels, \
        int numLevels, float thr, Candidate *cand, int capacity, ImageState *state
#define YX_ARGS out, sN, sA, sR, classes, anchors, levels, numLevels, thr, cand, capacity, state

extern "C" __global__ void __launch_bounds__(256) decode_yolox_f32(YX_PARAMS(float)) { yolox(YX_ARGS); }
extern "C" __global__ void __launch_bounds__(256) decode_yolox_f16(YX_PARAMS(unsigned short)) { yolox(YX_ARGS); }

// ---------------------------------------------------------------------------------------------
// DETR family (end to end, no NMS afterwards): boxes [N, Q, 4] = cx, cy, w, h normalised to the
// input, scores [N, Q, S] (for a single [N, Q, 4+S] output the host passes the same tensor twice,
// the scores 4 columns in). scoreFn 0 = identity, 1 = sigmoid: one thread per (query, class), slot =
// q*C + c, S = C. scoreFn 2 = softmax over S = C+1 logits whose last one is "no object" (never
// reported): one thread per query, its best real class (ties: lowest), slot = q*C + class. Box =
// ((cx - w/2) * inW, (cy - h/2) * inH, (cx + w/2) * inW, (cy + h/2) * inH). A query's box problem
// is raised at slot q*C; a score problem at its own slot (softmax: q*C).
template <typename T>
__device__ void detr(const T* boxes, long long bN, long long bQ, long long bK, const T* scores, long long sN,
                     long long sQ, long long sC, int queries, int classes, int scoreFn, float inW, float inH,
                     float thr, Candidate* cand, int capacity, ImageState* state) {
    const int b = blockIdx.y;
    ImageState* st = state + b;
    Candidate* dst = cand + (long long)b * capacity;
    const bool perQuery = scoreFn == 2;
    const int slots = perQuery ? queries : queries * classes;
    SLOT_LOOP(slots) {
        const int t = slot0 + threadIdx.x;
        bool valid = false;
        Candidate c;
        if (t < slots) {
            const int q = perQuery ? t : t / classes;
            const T* bp = boxes + b * bN + (long long)q * bQ;
            const T* sp = scores + b * sN + (long long)q * sQ;
            float cx = load_value(bp), cy = load_value(bp + bK), w = load_value(bp + 2 * bK), h = load_value(bp + 3 * bK);
            int boxBad = 0;
            if (!is_finite(cx) || !is_finite(cy) || !is_finite(w) || !is_finite(h)) boxBad = FLAG_NONFINITE_BOX;
            else if (w < 0.0f || h < 0.0f) boxBad = FLAG_NEGATIVE_SIZE;
            if (boxBad) raise_flag(st, boxBad, q * classes);
            float score = 0.0f;
            int cls = -1;
            if (!perQuery) {
                cls = t % classes;
                float v = load_value(sp + (long long)cls * sC);
                if (!is_finite(v)) { raise_flag(st, FLAG_NONFINITE_SCORE, t); cls = -1; }
                else score = scoreFn == 1 ? sigmoid_f(v) : v;
            } else {
                float bestLogit = 0.0f;
                bool badScore = false;
                for (int k = 0; k < classes; ++k) {
                    float v = load_value(sp + (long long)k * sC);
                    if (!is_finite(v)) badScore = true;
                    else if (cls < 0 || v > bestLogit) { bestLogit = v; cls = k; }
                }
                float noObject = load_value(sp + (long long)classes * sC);
                if (!is_finite(noObject)) badScore = true;
                if (badScore) {
                    raise_flag(st, FLAG_NONFINITE_SCORE, q * classes);
                    cls = -1;
                } else {
                    float maxLogit = load_value(sp);
                    for (int k = 1; k <= classes; ++k) maxLogit = fmaxf(maxLogit, load_value(sp + (long long)k * sC));
                    float sum = 0.0f;
                    for (int k = 0; k <= classes; ++k) sum = __fadd_rn(sum, exp_f(__fsub_rn(load_value(sp + (long long)k * sC), maxLogit)));
                    score = __fdiv_rn(exp_f(__fsub_rn(bestLogit, maxLogit)), sum);
                }
            }
            if (!boxBad && cls >= 0 && score > thr) {
                float x1, y1, x2, y2;
                cxcywh_to_xyxy(cx, cy, w, h, x1, y1, x2, y2);
                c = make_candidate(__fmul_rn(x1, inW), __fmul_rn(y1, inH), __fmul_rn(x2, inW), __fmul_rn(y2, inH),
                                   score, cls, q * classes + cls);
                valid = true;
            }
        }
        warp_append(valid, c, st, dst, capacity);
    }
}

#define DETR_PARAMS(T)                                                                                  \
    const T *boxes, long long bN, long long bQ, long long bK, const T *scores, long long sN, long long sQ, \
        long long sC, int queries, int classes, int scoreFn, float inW, float inH, float thr, Candidate *cand, \
        int capacity, ImageState *state
#define DETR_ARGS boxes, bN, bQ, bK, scores, sN, sQ, sC, queries, classes, scoreFn, inW, inH, thr, cand, capacity, state

extern "C" __global__ void __launch_bounds__(256) decode_detr_f32(DETR_PARAMS(float)) { detr(DETR_ARGS); }
extern "C" __global__ void __launch_bounds__(256) decode_detr_f16(DETR_PARAMS(unsigned short)) { detr(DETR_ARGS); }

// ---------------------------------------------------------------------------------------------
// DetectNet_v2 (TAO / DeepStream): coverage cov [N, C, H, W] (already sigmoided) and bbox
// [N, 4C, H, W]: channels 4c..4c+3 are the distances of class c's box edges from the cell centre,
// in units of bboxNorm. Following DeepStream's nvdsinfer DetectNet parser: centre
// gx_c = (gx * strideX + offset) / normX; x1 = (gx_c - bbox[4c]) * normX, y1 = (gy_c - bbox[4c+1]) *
// normY, x2 = (bbox[4c+2] + gx_c) * normX, y2 = (bbox[4c+3] + gy_c) * normY. One candidate per (class,
// cell) with coverage > thresholds[c]; slot = (c*H + y)*W + x. bbox is read (and validated) only at
// candidate cells.
template <typename T>
__device__ void detectnet(const T* cov, long long cN, long long cC, long long cY, long long cX, const T* bbox,
                          long long bN, long long bC, long long bY, long long bX, int classes, int height, int width,
                          float strideX, float strideY, float offset, float normX, float normY,
                          const float* thresholds, Candidate* cand, int capacity, ImageState* state) {
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
            float v = load_value(cov + b * cN + k * cC + y * cY + x * cX);
            if (!is_finite(v)) {
                raise_flag(st, FLAG_NONFINITE_SCORE, s);
            } else if (v > thresholds[k]) {
                const T* bp = bbox + b * bN + (long long)(4 * k) * bC + y * bY + x * bX;
                float o0 = load_value(bp), o1 = load_value(bp + bC), o2 = load_value(bp + 2 * bC), o3 = load_value(bp + 3 * bC);
                int bad = 0;
                float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
                if (!is_finite(o0) || !is_finite(o1) || !is_finite(o2) || !is_finite(o3)) {
                    bad = FLAG_NONFINITE_BOX;
                } else {
                    float gcx = __fdiv_rn(__fadd_rn(__fmul_rn((float)x, strideX), offset), normX);
                    float gcy = __fdiv_rn(__fadd_rn(__fmul_rn((float)y, strideY), offset), normY);
                    x1 = __fmul_rn(__fsub_rn(gcx, o0), normX);
                    y1 = __fmul_rn(__fsub_rn(gcy, o1), normY);
                    x2 = __fmul_rn(__fadd_rn(o2, gcx), normX);
                    y2 = __fmul_rn(__fadd_rn(o3, gcy), normY);
                    if (!is_finite(x1) || !is_finite(y1) || !is_finite(x2) || !is_finite(y2)) bad = FLAG_NONFINITE_BOX;
                }
                // An inverted box (x2 < x1 or y2 < y1) is no detection, as DeepStream's parser drops it: the two
                // corners are regressed independently, so a weak cell can invert without the output being broken.
                if (bad) {
                    raise_flag(st, bad, s);
                } else if (x2 >= x1 && y2 >= y1) {
                    c = make_candidate(x1, y1, x2, y2, v, k, s);
                    valid = true;
                }
            }
        }
        warp_append(valid, c, st, dst, capacity);
    }
}

#define DN_PARAMS(T)                                                                                       \
    const T *cov, long long cN, long long cC, long long cY, long long cX, const T *bbox, long long bN,      \
        long long bC, long long bY, long long bX, int classes, int height, int width, float strideX,        \
        float strideY, float offset, float normX, float normY, const float *thresholds, Candidate *cand,    \
        int capacity, ImageState *state
#define DN_ARGS cov, cN, cC, cY, cX, bbox, bN, bC, bY, bX, classes, height, width, strideX, strideY, offset, normX, \
        normY, thresholds, cand, capacity, state

extern "C" __global__ void __launch_bounds__(256) decode_detectnet_v2_f32(DN_PARAMS(float)) { detectnet(DN_ARGS); }
extern "C" __global__ void __launch_bounds__(256) decode_detectnet_v2_f16(DN_PARAMS(unsigned short)) { detectnet(DN_ARGS); }
