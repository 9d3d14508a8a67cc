package dev.vahost.postprocess.internal;

import dev.vahost.postprocess.CandidateBoxes;
import dev.vahost.postprocess.CenterNetDecode;
import dev.vahost.postprocess.DecoderConfig;
import dev.vahost.postprocess.HostTensor;
import dev.vahost.postprocess.SsdDecode;
import dev.vahost.postprocess.YoloV8Decode;

import java.util.Arrays;

/**
 * CPU reference of decode.cu: the same rules and the same float operations in the same order, so
 * the GPU's candidates equal these bit for bit (exp goes through double on both sides; see
 * postprocess.cuh).
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
}
