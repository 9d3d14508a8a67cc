package dev.vahost.postprocess;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Plain-Java batched NMS with the semantics of {@code torchvision.ops.batched_nms}: candidates in
 * score order (descending; equal scores by lower index first, a stable sort); greedily, a candidate is
 * kept unless a kept candidate of the same group has IoU with it strictly greater than the threshold.
 * Groups never suppress each other (use image*numClasses + class for class-aware batches, the image
 * for class-agnostic ones). IoU is computed in float in torchvision's order; boxes without positive
 * overlap width and height have IoU 0, so zero-area boxes never suppress nor get suppressed.
 * This is the oracle of the GPU kernels and the service's CPU path.
 */
public final class ReferenceNms {
    private ReferenceNms() {}

    /**
     * @param boxes  n x (x1, y1, x2, y2)
     * @param scores n scores
     * @param groups n group ids
     * @return indices of the kept candidates, in score order
     * @throws IllegalArgumentException for NaN/infinite values, x2 < x1 or y2 < y1, mismatched lengths
     */
    public static int[] batchedNms(float[] boxes, float[] scores, int[] groups, float iouThreshold) {
        int n = scores.length;
        if (boxes.length != 4 * n || groups.length != n) {
            throw new IllegalArgumentException("batchedNms: " + n + " scores need " + 4 * n + " box values and " + n
                    + " groups, got " + boxes.length + " and " + groups.length);
        }
        if (Float.isNaN(iouThreshold)) throw new IllegalArgumentException("iouThreshold is NaN");
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(scores[i])) throw new IllegalArgumentException("score " + i + " is " + scores[i]);
            for (int k = 0; k < 4; k++) {
                if (!Float.isFinite(boxes[4 * i + k])) {
                    throw new IllegalArgumentException("box " + i + " coordinate " + k + " is " + boxes[4 * i + k]);
                }
            }
            if (boxes[4 * i + 2] < boxes[4 * i] || boxes[4 * i + 3] < boxes[4 * i + 1]) {
                throw new IllegalArgumentException("box " + i + " has negative width or height: "
                        + Arrays.toString(Arrays.copyOfRange(boxes, 4 * i, 4 * i + 4)));
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> compareRank(scores, a, b)); // stable (TimSort), and ties compare by index anyway

        // Greedy per group: each group sees only its own candidates, in global rank order.
        Map<Integer, List<Integer>> byGroup = new HashMap<>();
        for (int i : order) byGroup.computeIfAbsent(groups[i], g -> new ArrayList<>()).add(i);
        boolean[] kept = new boolean[n];
        for (List<Integer> members : byGroup.values()) {
            List<Integer> keptHere = new ArrayList<>();
            for (int i : members) {
                boolean suppressed = false;
                for (int j : keptHere) {
                    if (iouAbove(boxes, j, boxes, i, iouThreshold)) {
                        suppressed = true;
                        break;
                    }
                }
                if (!suppressed) {
                    keptHere.add(i);
                    kept[i] = true;
                }
            }
        }
        int[] out = new int[n];
        int k = 0;
        for (int i : order) if (kept[i]) out[k++] = i;
        return Arrays.copyOf(out, k);
    }

    /** Rank order: higher score first, then lower index; -0 and +0 are equal scores. */
    static int compareRank(float[] scores, int a, int b) {
        float sa = scores[a], sb = scores[b];
        if (sa > sb) return -1;
        if (sa < sb) return 1;
        return Integer.compare(a, b);
    }

    /** IoU of box i of {@code a} and box j of {@code b} strictly greater than {@code threshold}. */
    public static boolean iouAbove(float[] a, int i, float[] b, int j, float threshold) {
        return iou(a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3], b[4 * j], b[4 * j + 1], b[4 * j + 2],
                b[4 * j + 3]) > threshold;
    }

    /** IoU in float, torchvision's order of operations; 0 without positive overlap width and height. */
    public static float iou(float ax1, float ay1, float ax2, float ay2, float bx1, float by1, float bx2, float by2) {
        float left = Math.max(ax1, bx1), right = Math.min(ax2, bx2);
        float top = Math.max(ay1, by1), bottom = Math.min(ay2, by2);
        float w = right - left, h = bottom - top;
        if (!(w > 0f) || !(h > 0f)) return 0f;
        float inter = w * h;
        float areaA = (ax2 - ax1) * (ay2 - ay1);
        float areaB = (bx2 - bx1) * (by2 - by1);
        float union = (areaA + areaB) - inter;
        return inter / union;
    }
}
