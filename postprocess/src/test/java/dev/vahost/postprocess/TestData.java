package dev.vahost.postprocess;

import java.util.SplittableRandom;

/** Seeded random model outputs shared by the CPU, emulation and GPU tests and the benchmark. */
public final class TestData {
    private TestData() {}

    /** Pre-decoded candidates: boxes [n, m, 4], scores [n, m], classes [n, m]. */
    public record Batch(int images, int candidates, int classes, float[] boxes, float[] scores, int[] classIds) {
        public HostTensor[] host() {
            return new HostTensor[] {HostTensor.f32(boxes, images, candidates, 4), HostTensor.f32(scores, images, candidates),
                    HostTensor.i32(classIds, images, candidates)};
        }
    }

    /**
     * Boxes in a {@code size x size} input, half of them jittered copies of earlier boxes (so NMS has
     * real work), sizes 4..(size/4). {@code integerCoords}: whole-pixel coordinates (IoU comparisons
     * then exact in any float evaluation order, for the torchvision comparison). {@code scoreLevels} > 0
     * quantises scores to that many levels so equal scores occur.
     */
    public static Batch candidates(long seed, int images, int m, int classes, float size, boolean integerCoords, int scoreLevels) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] boxes = new float[images * m * 4];
        float[] scores = new float[images * m];
        int[] cls = new int[images * m];
        for (int b = 0; b < images; b++) {
            for (int i = 0; i < m; i++) {
                int o = (b * m + i) * 4;
                float x1, y1, w, h;
                int c;
                if (i > 0 && r.nextInt(2) == 0) {
                    int j = (b * m + r.nextInt(i)) * 4;
                    float jw = boxes[j + 2] - boxes[j], jh = boxes[j + 3] - boxes[j + 1];
                    x1 = boxes[j] + (float) r.nextDouble(-0.25, 0.25) * jw;
                    y1 = boxes[j + 1] + (float) r.nextDouble(-0.25, 0.25) * jh;
                    w = jw * (float) r.nextDouble(0.8, 1.25);
                    h = jh * (float) r.nextDouble(0.8, 1.25);
                    c = r.nextInt(4) == 0 ? r.nextInt(classes) : cls[j / 4];
                } else {
                    w = (float) r.nextDouble(4, size / 4);
                    h = (float) r.nextDouble(4, size / 4);
                    x1 = (float) r.nextDouble(-w / 2, size - w / 2);
                    y1 = (float) r.nextDouble(-h / 2, size - h / 2);
                    c = r.nextInt(classes);
                }
                if (integerCoords) {
                    x1 = Math.round(x1);
                    y1 = Math.round(y1);
                    w = Math.max(1, Math.round(w));
                    h = Math.max(1, Math.round(h));
                }
                boxes[o] = x1;
                boxes[o + 1] = y1;
                boxes[o + 2] = x1 + w;
                boxes[o + 3] = y1 + h;
                float s = (float) r.nextDouble(0.01, 1.0);
                if (scoreLevels > 0) s = (1 + r.nextInt(scoreLevels)) / (float) scoreLevels;
                scores[b * m + i] = s;
                cls[b * m + i] = c;
            }
        }
        return new Batch(images, m, classes, boxes, scores, cls);
    }

    /**
     * A CenterNet-style heatmap {@code [n, c, h, w]} of logits shaped like a trained model's: background
     * around -6 (sigmoid 0.0025) and {@code objects} blobs per image, each a peak logit in (-1.5, 4) at a
     * random (class, y, x) with its 8 neighbours 0.5..3 lower, so cells above a 0.3 threshold that are
     * not 3x3 maxima are common; every 8th blob is a two-cell plateau (equal logits: both cells are
     * peaks). Blobs may touch or overlap. A dense Gaussian heatmap instead has ~74,000 3x3 maxima above
     * 0.3 per 80x128x128 image, more than any sensible candidate capacity.
     */
    public static float[] centerNetHeat(long seed, int images, int classes, int h, int w, int objects) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] heat = new float[images * classes * h * w];
        for (int i = 0; i < heat.length; i++) heat[i] = (float) (r.nextGaussian() - 6);
        for (int b = 0; b < images; b++) {
            for (int o = 0; o < objects; o++) {
                int k = r.nextInt(classes), y = r.nextInt(h), x = r.nextInt(w);
                int plane = (b * classes + k) * h * w;
                float peak = (float) r.nextDouble(-1.5, 4);
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                        float v = (dx == 0 && dy == 0) ? peak : peak - (float) r.nextDouble(0.5, 3);
                        heat[plane + yy * w + xx] = Math.max(heat[plane + yy * w + xx], v);
                    }
                }
                if (o % 8 == 0 && x + 1 < w) heat[plane + y * w + x + 1] = heat[plane + y * w + x];
            }
        }
        return heat;
    }

    /**
     * A YOLOv8-style output [n, 4+C, A] for a {@code size x size} input: centres and sizes like
     * {@link #candidates}, class scores in (0, 1) with one dominant class per anchor above
     * {@code minBest}, so how many anchors pass a threshold is controlled.
     */
    public static float[] yolov8(long seed, int images, int classes, int anchors, float size, float minBest) {
        Batch c = candidates(seed, images, anchors, classes, size, false, 0);
        SplittableRandom r = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        int rows = 4 + classes;
        float[] out = new float[images * rows * anchors];
        for (int b = 0; b < images; b++) {
            int base = b * rows * anchors;
            for (int a = 0; a < anchors; a++) {
                int o = (b * anchors + a) * 4;
                float w = c.boxes()[o + 2] - c.boxes()[o], h = c.boxes()[o + 3] - c.boxes()[o + 1];
                out[base + a] = c.boxes()[o] + w / 2;
                out[base + anchors + a] = c.boxes()[o + 1] + h / 2;
                out[base + 2 * anchors + a] = w;
                out[base + 3 * anchors + a] = h;
                int best = c.classIds()[b * anchors + a];
                float bestScore = minBest + (1 - minBest) * c.scores()[b * anchors + a];
                for (int k = 0; k < classes; k++) {
                    out[base + (4 + k) * anchors + a] = k == best ? bestScore : (float) r.nextDouble(0, minBest);
                }
            }
        }
        return out;
    }
}
