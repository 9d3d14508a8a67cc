package dev.vahost.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A plain-Java reference of the test detector's post-processing as its model card states it
 * (YOLOv8 style: best class per anchor, score threshold, class-aware greedy NMS at IoU 0.5) and the
 * scoring against ground truth (a detection is correct at IoU >= 0.5 with the right class, each
 * ground-truth box matched once). For tests of the engines, not a product post-processor.
 */
public final class DetectorReference {
    private DetectorReference() {}

    /** {image, class, score, x1, y1, x2, y2}. */
    public record Det(int image, int cls, float score, float x1, float y1, float x2, float y2) {}

    public static List<Det> detect(float[] out, int images, float threshold) {
        int a = TestDetector.NUM_ANCHORS, rows = TestDetector.OUTPUT_ROWS;
        List<Det> all = new ArrayList<>();
        for (int n = 0; n < images; n++) {
            int base = n * rows * a;
            List<Det> cand = new ArrayList<>();
            for (int i = 0; i < a; i++) {
                int best = 0;
                float s = out[base + 4 * a + i];
                for (int c = 1; c < TestDetector.NUM_CLASSES; c++) {
                    float v = out[base + (4 + c) * a + i];
                    if (v > s) { s = v; best = c; }
                }
                if (s <= threshold) continue;
                float cx = out[base + i], cy = out[base + a + i], w = out[base + 2 * a + i], h = out[base + 3 * a + i];
                cand.add(new Det(n, best, s, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2));
            }
            cand.sort(Comparator.comparingDouble((Det d) -> -d.score()));
            List<Det> kept = new ArrayList<>();
            for (Det d : cand) {
                boolean ok = true;
                for (Det k : kept) {
                    if (k.cls() == d.cls() && iou(k.x1(), k.y1(), k.x2(), k.y2(), d.x1(), d.y1(), d.x2(), d.y2()) > 0.5f) {
                        ok = false;
                        break;
                    }
                }
                if (ok) kept.add(d);
            }
            all.addAll(kept);
        }
        return all;
    }

    public static float iou(float ax1, float ay1, float ax2, float ay2, float bx1, float by1, float bx2, float by2) {
        float iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
        float ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
        float inter = iw * ih;
        float u = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
        return u <= 0 ? 0 : inter / u;
    }

    /** {true positives, false positives, ground-truth count} for images [0, images). */
    public static int[] score(List<Det> dets, List<float[]> truth, int images) {
        int tp = 0, fp = 0, gt = 0;
        for (int n = 0; n < images; n++) {
            List<float[]> g = new ArrayList<>();
            for (float[] t : truth) if ((int) t[0] == n) g.add(t);
            gt += g.size();
            boolean[] used = new boolean[g.size()];
            for (Det d : dets) {
                if (d.image() != n) continue;
                int match = -1;
                float bestIou = 0.5f;
                for (int j = 0; j < g.size(); j++) {
                    float[] t = g.get(j);
                    if (used[j] || (int) t[1] != d.cls()) continue;
                    float v = iou(d.x1(), d.y1(), d.x2(), d.y2(), t[2], t[3], t[4], t[5]);
                    if (v >= bestIou) { bestIou = v; match = j; }
                }
                if (match >= 0) { used[match] = true; tp++; } else fp++;
            }
        }
        return new int[] {tp, fp, gt};
    }
}
