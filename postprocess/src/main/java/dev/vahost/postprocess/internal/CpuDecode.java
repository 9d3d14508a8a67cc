package dev.vahost.postprocess.internal;

import dev.vahost.postprocess.CandidateBoxes;
import dev.vahost.postprocess.CenterNetDecode;
import dev.vahost.postprocess.DecoderConfig;
import dev.vahost.postprocess.DetectNetV2Decode;
import dev.vahost.postprocess.DetrDecode;
import dev.vahost.postprocess.HostTensor;
import dev.vahost.postprocess.SsdDecode;
import dev.vahost.postprocess.YoloV5Decode;
import dev.vahost.postprocess.YoloV8Decode;
import dev.vahost.postprocess.YoloXDecode;

import java.util.Arrays;

/**
 * CPU reference of decode.cu: the same rules and the same float operations in the same order, so
 * the GPU's candidates equal these bit for bit (exp goes through double on both sides; see
 * postprocess.cuh). YOLOv5, YOLOX, DETR and DetectNet_v2 are written from their configs' documented
 * formulas (loops over levels, cells and classes as the formats define them), not from the kernels.
 */
public final class CpuDecode {
    private CpuDecode() {}

    /** Checks the outputs against the decoder and the batch size; returns the batch size. */
    public static int validate(DecoderConfig config, int images, HostTensor... outputs) {
        if (config instanceof YoloV8Decode y) {
                expectCount(config, outputs, 1);
                expectFloat(config, outputs[0], "output", images, 4 + y.numClasses(), y.anchors());
        } else if (config instanceof SsdDecode s) {
                expectCount(config, outputs, 2);
                expectFloat(config, outputs[0], "loc", images, s.anchors(), 4);
                expectFloat(config, outputs[1], "conf", images, s.anchors(), s.numClasses());
        } else if (config instanceof CenterNetDecode c) {
                expectCount(config, outputs, c.hasOffset() ? 3 : 2);
                expectFloat(config, outputs[0], "heatmap", images, c.numClasses(), c.height(), c.width());
                expectFloat(config, outputs[1], "wh", images, 2, c.height(), c.width());
                if (c.hasOffset()) expectFloat(config, outputs[2], "offset", images, 2, c.height(), c.width());
        } else if (config instanceof YoloV5Decode y) {
                expectCount(config, outputs, 1);
                expectFloat(config, outputs[0], "output", images, y.anchors(), 5 + y.numClasses());
        } else if (config instanceof YoloXDecode y) {
                expectCount(config, outputs, 1);
                expectFloat(config, outputs[0], "output", images, y.anchors(), 5 + y.numClasses());
        } else if (config instanceof DetrDecode d) {
                if (d.separateOutputs()) {
                    expectCount(config, outputs, 2);
                    expectFloat(config, outputs[0], "logits", images, d.queries(), d.scoreColumns());
                    expectFloat(config, outputs[1], "boxes", images, d.queries(), 4);
                } else {
                    expectCount(config, outputs, 1);
                    expectFloat(config, outputs[0], "output", images, d.queries(), 4 + d.scoreColumns());
                }
        } else if (config instanceof DetectNetV2Decode d) {
                expectCount(config, outputs, 2);
                expectFloat(config, outputs[0], "cov", images, d.numClasses(), d.gridHeight(), d.gridWidth());
                expectFloat(config, outputs[1], "bbox", images, 4 * d.numClasses(), d.gridHeight(), d.gridWidth());
        } else if (config instanceof CandidateBoxes b) {
                expectCount(config, outputs, 3);
                expectFloat(config, outputs[0], "boxes", images, b.candidates(), 4);
                expectFloat(config, outputs[1], "scores", images, b.candidates());
                int[] want = {images, b.candidates()};
                if (outputs[2].isFloat() || !Arrays.equals(outputs[2].shape(), want)) {
                    throw new IllegalArgumentException("classes: expected I32" + Arrays.toString(want) + ", got "
                            + outputs[2].describe());
                }
        }
        return images;
    }

    private static void expectCount(DecoderConfig c, HostTensor[] outputs, int n) {
        if (outputs.length != n) {
            throw new IllegalArgumentException(c.getClass().getSimpleName() + " takes " + c.expectedOutputs() + "; got "
                    + outputs.length + " tensor(s)");
        }
    }

    private static void expectFloat(DecoderConfig c, HostTensor t, String what, int... shape) {
        if (!t.isFloat() || !Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(what + ": expected F32" + Arrays.toString(shape) + " for "
                    + c.getClass().getSimpleName() + " (" + c.expectedOutputs() + "), got " + t.describe());
        }
    }

    /** Candidates of image {@code b}. */
    public static Candidates decode(DecoderConfig config, int b, HostTensor... outputs) {
        if (config instanceof YoloV8Decode y) return yolov8(y, b, outputs[0].floats());
        if (config instanceof YoloV5Decode y) return yolov5(y, b, outputs[0].floats());
        if (config instanceof YoloXDecode y) return yolox(y, b, outputs[0].floats());
        if (config instanceof DetrDecode d) return detr(d, b, outputs);
        if (config instanceof DetectNetV2Decode d) return detectNetV2(d, b, outputs[0].floats(), outputs[1].floats());
        if (config instanceof SsdDecode s) return ssd(s, b, outputs[0].floats(), outputs[1].floats());
        if (config instanceof CenterNetDecode c) {
            return centernet(c, b, outputs[0].floats(), outputs[1].floats(), c.hasOffset() ? outputs[2].floats() : null);
        }
        CandidateBoxes k = (CandidateBoxes) config;
        return candidates(k, b, outputs[0].floats(), outputs[1].floats(), outputs[2].ints());
    }

    static float expF(float x) { return (float) StrictMath.exp(x); }

    static float sigmoidF(float x) { return (float) (1.0 / (1.0 + StrictMath.exp(-(double) x))); }

    static Candidates yolov8(YoloV8Decode cfg, int b, float[] out) {
        int c = cfg.numClasses(), a = cfg.anchors(), rows = 4 + c;
        Candidates cand = new Candidates(cfg.candidateCapacity());
        int base = b * rows * a;
        for (int i = 0; i < a; i++) {
            float cx = out[base + i], cy = out[base + a + i], w = out[base + 2 * a + i], h = out[base + 3 * a + i];
            float best = 0f;
            int bestClass = -1;
            boolean badScore = false;
            for (int k = 0; k < c; k++) {
                float s = out[base + (4 + k) * a + i];
                if (!Float.isFinite(s)) badScore = true;
                else if (bestClass < 0 || s > best) {
                    best = s;
                    bestClass = k;
                }
            }
            int bad = 0;
            if (badScore) bad |= ProblemFlags.NONFINITE_SCORE;
            if (!Float.isFinite(cx) || !Float.isFinite(cy) || !Float.isFinite(w) || !Float.isFinite(h)) {
                bad |= ProblemFlags.NONFINITE_BOX;
            } else if (w < 0f || h < 0f) bad |= ProblemFlags.NEGATIVE_SIZE;
            if (bad != 0) cand.flag(bad, i);
            else if (bestClass >= 0 && best > cfg.scoreThreshold()) {
                float hw = w * 0.5f, hh = h * 0.5f;
                cand.add(cx - hw, cy - hh, cx + hw, cy + hh, best, bestClass, i);
            }
        }
        return cand;
    }

    static Candidates ssd(SsdDecode cfg, int b, float[] loc, float[] conf) {
        int a = cfg.anchors(), c = cfg.numClasses(), bg = cfg.backgroundClass();
        Candidates cand = new Candidates(cfg.candidateCapacity());
        for (int i = 0; i < a; i++) {
            int q = (b * a + i) * c;
            float bestLogit = 0f, maxLogit = 0f;
            int bestClass = -1;
            boolean badScore = false;
            for (int k = 0; k < c; k++) {
                float v = conf[q + k];
                if (!Float.isFinite(v)) {
                    badScore = true;
                    continue;
                }
                if (k != bg && (bestClass < 0 || v > bestLogit)) {
                    bestLogit = v;
                    bestClass = k;
                }
            }
            if (!badScore) {
                maxLogit = conf[q];
                for (int k = 1; k < c; k++) maxLogit = Math.max(maxLogit, conf[q + k]);
            }
            int l = (b * a + i) * 4;
            float dx = loc[l], dy = loc[l + 1], dw = loc[l + 2], dh = loc[l + 3];
            int bad = badScore ? ProblemFlags.NONFINITE_SCORE : 0;
            float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
            if (!Float.isFinite(dx) || !Float.isFinite(dy) || !Float.isFinite(dw) || !Float.isFinite(dh)) {
                bad |= ProblemFlags.NONFINITE_BOX;
            } else {
                float pcx = cfg.prior(i, 0), pcy = cfg.prior(i, 1), pw = cfg.prior(i, 2), ph = cfg.prior(i, 3);
                float cx = pcx + (dx * cfg.centerVariance()) * pw;
                float cy = pcy + (dy * cfg.centerVariance()) * ph;
                float lw = Math.min(dw * cfg.sizeVariance(), cfg.logScaleClip());
                float lh = Math.min(dh * cfg.sizeVariance(), cfg.logScaleClip());
                float w = pw * expF(lw), h = ph * expF(lh);
                float hw = w * 0.5f, hh = h * 0.5f;
                x1 = cx - hw;
                y1 = cy - hh;
                x2 = cx + hw;
                y2 = cy + hh;
                if (!Float.isFinite(x1) || !Float.isFinite(y1) || !Float.isFinite(x2) || !Float.isFinite(y2)) {
                    bad |= ProblemFlags.NONFINITE_BOX;
                }
            }
            if (bad != 0) {
                cand.flag(bad, i);
            } else if (bestClass >= 0) {
                float score;
                if (cfg.softmax()) {
                    float sum = 0f;
                    for (int k = 0; k < c; k++) sum = sum + expF(conf[q + k] - maxLogit);
                    score = expF(bestLogit - maxLogit) / sum;
                } else {
                    score = sigmoidF(bestLogit);
                }
                if (score > cfg.scoreThreshold()) cand.add(x1, y1, x2, y2, score, bestClass, i);
            }
        }
        return cand;
    }

    static Candidates centernet(CenterNetDecode cfg, int b, float[] heat, float[] wh, float[] reg) {
        int c = cfg.numClasses(), hgt = cfg.height(), wid = cfg.width(), plane = hgt * wid;
        Candidates cand = new Candidates(cfg.candidateCapacity());
        for (int k = 0; k < c; k++) {
            int hp = (b * c + k) * plane;
            for (int y = 0; y < hgt; y++) {
                for (int x = 0; x < wid; x++) {
                    int slot = k * plane + y * wid + x;
                    float v = heat[hp + y * wid + x];
                    if (!Float.isFinite(v)) {
                        cand.flag(ProblemFlags.NONFINITE_SCORE, slot);
                        continue;
                    }
                    float score = cfg.sigmoid() ? sigmoidF(v) : v;
                    boolean peak = score > cfg.scoreThreshold();
                    for (int dy = -1; dy <= 1 && peak; dy++) {
                        int yy = y + dy;
                        if (yy < 0 || yy >= hgt) continue;
                        for (int dx = -1; dx <= 1; dx++) {
                            int xx = x + dx;
                            if ((dx == 0 && dy == 0) || xx < 0 || xx >= wid) continue;
                            float u = heat[hp + yy * wid + xx];
                            if (cfg.sigmoid() && Float.isFinite(u)) u = sigmoidF(u);
                            if (u > score) {
                                peak = false;
                                break;
                            }
                        }
                    }
                    if (!peak) continue;
                    int wp = b * 2 * plane + y * wid + x;
                    float w = wh[wp], h = wh[wp + plane];
                    float ox = 0f, oy = 0f;
                    if (reg != null) {
                        ox = reg[wp];
                        oy = reg[wp + plane];
                    }
                    if (!Float.isFinite(w) || !Float.isFinite(h) || !Float.isFinite(ox) || !Float.isFinite(oy)) {
                        cand.flag(ProblemFlags.NONFINITE_BOX, slot);
                    } else if (w < 0f || h < 0f) {
                        cand.flag(ProblemFlags.NEGATIVE_SIZE, slot);
                    } else {
                        float cx = x + ox, cy = y + oy, hw = w * 0.5f, hh = h * 0.5f, s = cfg.stride();
                        cand.add((cx - hw) * s, (cy - hh) * s, (cx + hw) * s, (cy + hh) * s, score, k, slot);
                    }
                }
            }
        }
        return cand;
    }

    static Candidates candidates(CandidateBoxes cfg, int b, float[] boxes, float[] scores, int[] classes) {
        int m = cfg.candidates();
        Candidates cand = new Candidates(cfg.candidateCapacity());
        for (int i = 0; i < m; i++) {
            int bp = (b * m + i) * 4;
            float x1 = boxes[bp], y1 = boxes[bp + 1], x2 = boxes[bp + 2], y2 = boxes[bp + 3];
            float s = scores[b * m + i];
            int k = classes[b * m + i];
            int bad = 0;
            if (!Float.isFinite(s)) bad |= ProblemFlags.NONFINITE_SCORE;
            if (!Float.isFinite(x1) || !Float.isFinite(y1) || !Float.isFinite(x2) || !Float.isFinite(y2)) {
                bad |= ProblemFlags.NONFINITE_BOX;
            } else if (x2 < x1 || y2 < y1) bad |= ProblemFlags.NEGATIVE_SIZE;
            if (k < 0 || k >= cfg.numClasses()) bad |= ProblemFlags.BAD_CLASS;
            if (bad != 0) cand.flag(bad, i);
            else if (s > cfg.scoreThreshold()) cand.add(x1, y1, x2, y2, s, k, i);
        }
        return cand;
    }

    private static boolean finite(float a, float b, float c, float d) {
        return Float.isFinite(a) && Float.isFinite(b) && Float.isFinite(c) && Float.isFinite(d);
    }

    /** Problem bits of a centre-size box: non-finite, else a negative size; 0 when fine. */
    private static int boxProblem(float cx, float cy, float w, float h) {
        if (!finite(cx, cy, w, h)) return ProblemFlags.NONFINITE_BOX;
        return w < 0f || h < 0f ? ProblemFlags.NEGATIVE_SIZE : 0;
    }

    /** Index of the highest of {@code n} values from {@code from} (ties: the first); -1 if any is not finite. */
    private static int argmaxFinite(float[] v, int from, int n) {
        int best = 0;
        for (int k = 0; k < n; k++) {
            if (!Float.isFinite(v[from + k])) return -1;
            if (v[from + k] > v[from + best]) best = k;
        }
        return best;
    }

    /** YOLOv5/v7 rows [A, 5+C]: score = obj * class score; best class or multi-label (see YoloV5Decode). */
    static Candidates yolov5(YoloV5Decode cfg, int b, float[] out) {
        int c = cfg.numClasses(), a = cfg.anchors(), cols = 5 + c;
        Candidates cand = new Candidates(cfg.candidateCapacity());
        for (int i = 0; i < a; i++) {
            int row = (b * a + i) * cols;
            float cx = out[row], cy = out[row + 1], w = out[row + 2], h = out[row + 3], obj = out[row + 4];
            int best = argmaxFinite(out, row + 5, c);
            int bad = boxProblem(cx, cy, w, h) | (best < 0 || !Float.isFinite(obj) ? ProblemFlags.NONFINITE_SCORE : 0);
            if (bad != 0) {
                cand.flag(bad, cfg.multiLabel() ? i * c : i);
                continue;
            }
            float x1 = cx - w / 2, y1 = cy - h / 2, x2 = cx + w / 2, y2 = cy + h / 2;
            if (!cfg.multiLabel()) {
                float score = obj * out[row + 5 + best];
                if (score > cfg.scoreThreshold()) cand.add(x1, y1, x2, y2, score, best, i);
            } else {
                for (int k = 0; k < c; k++) {
                    float score = obj * out[row + 5 + k];
                    if (score > cfg.scoreThreshold()) cand.add(x1, y1, x2, y2, score, k, i * c + k);
                }
            }
        }
        return cand;
    }

    /** YOLOX raw rows [A, 5+C] over its grids, level by level, y then x (see YoloXDecode). */
    static Candidates yolox(YoloXDecode cfg, int b, float[] out) {
        int c = cfg.numClasses(), cols = 5 + c;
        Candidates cand = new Candidates(cfg.candidateCapacity());
        int anchor = 0;
        for (int l = 0; l < cfg.levels(); l++) {
            float s = cfg.stride(l);
            for (int gy = 0; gy < cfg.gridHeight(l); gy++) {
                for (int gx = 0; gx < cfg.gridWidth(l); gx++, anchor++) {
                    int row = (b * cfg.anchors() + anchor) * cols;
                    float x = out[row], y = out[row + 1], lw = out[row + 2], lh = out[row + 3], obj = out[row + 4];
                    int best = argmaxFinite(out, row + 5, c);
                    int bad = best < 0 || !Float.isFinite(obj) ? ProblemFlags.NONFINITE_SCORE : 0;
                    float cx = (x + gx) * s, cy = (y + gy) * s, w = expF(lw) * s, h = expF(lh) * s;
                    float x1 = cx - w / 2, y1 = cy - h / 2, x2 = cx + w / 2, y2 = cy + h / 2;
                    if (!finite(x, y, lw, lh) || !finite(x1, y1, x2, y2)) bad |= ProblemFlags.NONFINITE_BOX;
                    if (bad != 0) {
                        cand.flag(bad, anchor);
                        continue;
                    }
                    float score = obj * out[row + 5 + best];
                    if (score > cfg.scoreThreshold()) cand.add(x1, y1, x2, y2, score, best, anchor);
                }
            }
        }
        return cand;
    }

    /** DETR family: (query, class) pairs or the best class per query, boxes scaled to input pixels (see DetrDecode). */
    static Candidates detr(DetrDecode cfg, int b, HostTensor... outputs) {
        int q = cfg.queries(), c = cfg.numClasses(), sc = cfg.scoreColumns();
        float[] scores, boxes;
        int scoreRow, scoreAt, boxRow, boxAt;  // element of query i: base + i * row + at
        if (cfg.separateOutputs()) {
            scores = outputs[0].floats();
            boxes = outputs[1].floats();
            scoreRow = sc;
            scoreAt = b * q * sc;
            boxRow = 4;
            boxAt = b * q * 4;
        } else {
            scores = boxes = outputs[0].floats();
            scoreRow = boxRow = 4 + sc;
            boxAt = b * q * (4 + sc);
            scoreAt = boxAt + 4;
        }
        float inW = cfg.inputWidth(), inH = cfg.inputHeight();
        Candidates cand = new Candidates(cfg.candidateCapacity());
        for (int i = 0; i < q; i++) {
            int bp = boxAt + i * boxRow, sp = scoreAt + i * scoreRow;
            float cx = boxes[bp], cy = boxes[bp + 1], w = boxes[bp + 2], h = boxes[bp + 3];
            int boxBad = boxProblem(cx, cy, w, h);
            if (boxBad != 0) cand.flag(boxBad, i * c);
            float x1 = (cx - w / 2) * inW, y1 = (cy - h / 2) * inH, x2 = (cx + w / 2) * inW, y2 = (cy + h / 2) * inH;
            if (cfg.scoreFunction() == DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT) {
                int best = argmaxFinite(scores, sp, c);
                if (best < 0 || !Float.isFinite(scores[sp + c])) {
                    cand.flag(ProblemFlags.NONFINITE_SCORE, i * c);
                    continue;
                }
                float max = scores[sp];
                for (int k = 1; k < sc; k++) max = Math.max(max, scores[sp + k]);
                float sum = 0f;
                for (int k = 0; k < sc; k++) sum += expF(scores[sp + k] - max);
                float p = expF(scores[sp + best] - max) / sum;
                if (boxBad == 0 && p > cfg.scoreThreshold()) cand.add(x1, y1, x2, y2, p, best, i * c + best);
            } else {
                boolean sigmoid = cfg.scoreFunction() == DetrDecode.ScoreFunction.SIGMOID;
                for (int k = 0; k < c; k++) {
                    float v = scores[sp + k];
                    if (!Float.isFinite(v)) {
                        cand.flag(ProblemFlags.NONFINITE_SCORE, i * c + k);
                        continue;
                    }
                    float p = sigmoid ? sigmoidF(v) : v;
                    if (boxBad == 0 && p > cfg.scoreThreshold()) cand.add(x1, y1, x2, y2, p, k, i * c + k);
                }
            }
        }
        return cand;
    }

    /** DetectNet_v2 coverage and bbox grids, DeepStream's box formula (see DetectNetV2Decode). */
    static Candidates detectNetV2(DetectNetV2Decode cfg, int b, float[] cov, float[] bbox) {
        int c = cfg.numClasses(), hgt = cfg.gridHeight(), wid = cfg.gridWidth(), plane = hgt * wid;
        Candidates cand = new Candidates(cfg.candidateCapacity());
        for (int k = 0; k < c; k++) {
            for (int gy = 0; gy < hgt; gy++) {
                float cyg = (gy * cfg.strideY() + cfg.offset()) / cfg.bboxNormY();
                for (int gx = 0; gx < wid; gx++) {
                    int slot = (k * hgt + gy) * wid + gx;
                    float v = cov[(b * c + k) * plane + gy * wid + gx];
                    if (!Float.isFinite(v)) {
                        cand.flag(ProblemFlags.NONFINITE_SCORE, slot);
                        continue;
                    }
                    if (!(v > cfg.classThreshold(k))) continue;
                    float cxg = (gx * cfg.strideX() + cfg.offset()) / cfg.bboxNormX();
                    int at = (b * 4 * c + 4 * k) * plane + gy * wid + gx;
                    float l = bbox[at], t = bbox[at + plane], r = bbox[at + 2 * plane], d = bbox[at + 3 * plane];
                    float x1 = (cxg - l) * cfg.bboxNormX(), y1 = (cyg - t) * cfg.bboxNormY();
                    float x2 = (r + cxg) * cfg.bboxNormX(), y2 = (d + cyg) * cfg.bboxNormY();
                    if (!finite(l, t, r, d) || !finite(x1, y1, x2, y2)) cand.flag(ProblemFlags.NONFINITE_BOX, slot);
                    else if (x2 >= x1 && y2 >= y1) cand.add(x1, y1, x2, y2, v, k, slot);
                    // else: an inverted box is no detection (DeepStream's parser drops it), not a broken output
                }
            }
        }
        return cand;
    }
}
