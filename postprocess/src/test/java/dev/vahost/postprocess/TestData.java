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

    /**
     * A YOLOv5-style output [n, A, 5+C] for a {@code size x size} input: boxes like {@link #candidates}
     * (cx, cy, w, h), objectness in (0.2, 1), one dominant class score in (minBest, 1) per anchor and the
     * others below minBest; every 16th anchor has two equal best scores (a class tie).
     */
    public static float[] yolov5(long seed, int images, int classes, int anchors, float size, float minBest) {
        Batch c = candidates(seed, images, anchors, classes, size, false, 0);
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int cols = 5 + classes;
        float[] out = new float[images * anchors * cols];
        for (int b = 0; b < images; b++) {
            for (int a = 0; a < anchors; a++) {
                int o = (b * anchors + a) * 4, row = (b * anchors + a) * cols;
                float w = c.boxes()[o + 2] - c.boxes()[o], h = c.boxes()[o + 3] - c.boxes()[o + 1];
                out[row] = c.boxes()[o] + w / 2;
                out[row + 1] = c.boxes()[o + 1] + h / 2;
                out[row + 2] = w;
                out[row + 3] = h;
                out[row + 4] = (float) r.nextDouble(0.2, 1.0);
                int best = c.classIds()[b * anchors + a];
                float bestScore = minBest + (1 - minBest) * c.scores()[b * anchors + a];
                for (int k = 0; k < classes; k++) out[row + 5 + k] = k == best ? bestScore : (float) r.nextDouble(0, minBest);
                if (a % 16 == 0 && classes > 1) out[row + 5 + (best + 1) % classes] = bestScore;
            }
        }
        return out;
    }

    /**
     * A YOLOX raw output [n, A, 5+C] over the grids of a {@code width x height} input: offsets in
     * (-0.5, 1.5) cells, log sizes in (log 0.5, log 6) cells (so neighbouring cells' boxes overlap and NMS
     * has work), objectness in (0, 1), class scores with one dominant class.
     */
    public static float[] yoloxRaw(long seed, int images, int classes, int anchors) {
        SplittableRandom r = new SplittableRandom(seed);
        int cols = 5 + classes;
        float[] out = new float[images * anchors * cols];
        for (int i = 0; i < images * anchors; i++) {
            int row = i * cols;
            out[row] = (float) r.nextDouble(-0.5, 1.5);
            out[row + 1] = (float) r.nextDouble(-0.5, 1.5);
            out[row + 2] = (float) r.nextDouble(Math.log(0.5), Math.log(6));
            out[row + 3] = (float) r.nextDouble(Math.log(0.5), Math.log(6));
            out[row + 4] = (float) r.nextDouble(0, 1);
            int best = r.nextInt(classes);
            for (int k = 0; k < classes; k++) out[row + 5 + k] = k == best ? (float) r.nextDouble(0.5, 1) : (float) r.nextDouble(0, 0.5);
        }
        return out;
    }

    /**
     * DETR-style boxes [n, Q, 4] (cx, cy, w, h normalised: centres in (0, 1), sizes in (0.02, 0.6), so some
     * boxes stick out of the input) and scores [n, Q, S]: logits N(-2, 2) when {@code logits}, else
     * probabilities in (0, 1) quantised to 64 levels (so equal scores, and ties across queries and
     * classes, occur).
     */
    public record Detr(float[] boxes, float[] scores) {
        /** The single [n, Q, 4+S] output of ultralytics' export: each query's box, then its scores. */
        public float[] combined(int images, int queries) {
            int s = scores.length / (images * queries);
            float[] out = new float[images * queries * (4 + s)];
            for (int i = 0; i < images * queries; i++) {
                System.arraycopy(boxes, 4 * i, out, i * (4 + s), 4);
                System.arraycopy(scores, i * s, out, i * (4 + s) + 4, s);
            }
            return out;
        }
    }

    public static Detr detr(long seed, int images, int queries, int scoreColumns, boolean logits) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] boxes = new float[images * queries * 4], scores = new float[images * queries * scoreColumns];
        for (int i = 0; i < images * queries; i++) {
            boxes[4 * i] = (float) r.nextDouble(0, 1);
            boxes[4 * i + 1] = (float) r.nextDouble(0, 1);
            boxes[4 * i + 2] = (float) r.nextDouble(0.02, 0.6);
            boxes[4 * i + 3] = (float) r.nextDouble(0.02, 0.6);
        }
        for (int i = 0; i < scores.length; i++) {
            scores[i] = logits ? (float) (r.nextGaussian() * 2 - 2) : (1 + r.nextInt(63)) / 64f;
        }
        return new Detr(boxes, scores);
    }

    /**
     * DetectNet_v2-style coverage [n, C, H, W] and bbox [n, 4C, H, W]: background coverage in (0, 0.3),
     * {@code objects} blobs per image (a cell in (0.5, 1) and its 8 neighbours 0.05..0.4 lower, so
     * neighbouring candidates overlap and NMS has work); bbox edge distances in (0.1, 1.5) box norms
     * (positive, so x2 > x1), similar within a blob.
     */
    public record DetectNet(float[] cov, float[] bbox) {}

    public static DetectNet detectNet(long seed, int images, int classes, int h, int w, int objects) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] cov = new float[images * classes * h * w], bbox = new float[images * 4 * classes * h * w];
        for (int i = 0; i < cov.length; i++) cov[i] = (float) r.nextDouble(0, 0.3);
        for (int i = 0; i < bbox.length; i++) bbox[i] = (float) r.nextDouble(0.1, 1.5);
        int plane = h * w;
        for (int b = 0; b < images; b++) {
            for (int o = 0; o < objects; o++) {
                int k = r.nextInt(classes), y = r.nextInt(h), x = r.nextInt(w);
                float peak = (float) r.nextDouble(0.5, 1);
                float[] edges = {(float) r.nextDouble(0.2, 1.2), (float) r.nextDouble(0.2, 1.2), (float) r.nextDouble(0.2, 1.2),
                        (float) r.nextDouble(0.2, 1.2)};
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                        int at = (b * classes + k) * plane + yy * w + xx;
                        cov[at] = Math.max(cov[at], (dx == 0 && dy == 0) ? peak : peak - (float) r.nextDouble(0.05, 0.4));
                        for (int e = 0; e < 4; e++) {
                            bbox[(b * 4 * classes + 4 * k + e) * plane + yy * w + xx] = edges[e] * (float) r.nextDouble(0.9, 1.1);
                        }
                    }
                }
            }
        }
        return new DetectNet(cov, bbox);
    }
}
