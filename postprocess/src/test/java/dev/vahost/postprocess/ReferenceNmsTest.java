package dev.vahost.postprocess;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ReferenceNms against hand-built cases whose answers are worked out in the comments. */
class ReferenceNmsTest {
    private static int[] nms(float[] boxes, float[] scores, int[] groups, float thr) {
        return ReferenceNms.batchedNms(boxes, scores, groups, thr);
    }

    @Test
    void overlapExactlyAtThresholdIsKept() {
        // [0,0,3,1] and [1,0,4,1]: intersection 2, union 4, IoU exactly 0.5.
        float[] b = {0, 0, 3, 1, 1, 0, 4, 1};
        assertEquals(0.5f, ReferenceNms.iou(0, 0, 3, 1, 1, 0, 4, 1));
        assertArrayEquals(new int[] {0, 1}, nms(b, new float[] {0.9f, 0.8f}, new int[] {0, 0}, 0.5f));
        // Just below the IoU: suppressed.
        assertArrayEquals(new int[] {0}, nms(b, new float[] {0.9f, 0.8f}, new int[] {0, 0}, 0.4999f));
    }

    @Test
    void identicalBoxesKeepTheHigherScoreAndOnTiesTheLowerIndex() {
        float[] b = {10, 10, 20, 20, 10, 10, 20, 20, 10, 10, 20, 20};
        assertArrayEquals(new int[] {1}, nms(b, new float[] {0.5f, 0.7f, 0.6f}, new int[] {0, 0, 0}, 0.5f));
        assertArrayEquals(new int[] {0}, nms(b, new float[] {0.7f, 0.7f, 0.7f}, new int[] {0, 0, 0}, 0.5f));
        // IoU 1 is not > 1: nothing is suppressed at threshold 1.
        assertArrayEquals(new int[] {0, 1, 2}, nms(b, new float[] {0.7f, 0.7f, 0.7f}, new int[] {0, 0, 0}, 1f));
    }

    @Test
    void tiesAreOrderedByIndexInTheOutput() {
        float[] b = {0, 0, 1, 1, 5, 5, 6, 6, 10, 10, 11, 11, 20, 20, 21, 21};
        assertArrayEquals(new int[] {3, 0, 1, 2}, nms(b, new float[] {0.5f, 0.5f, 0.5f, 0.9f}, new int[] {0, 1, 0, 1}, 0.5f));
        // -0 and +0 are the same score: index decides.
        assertArrayEquals(new int[] {0, 1}, nms(new float[] {0, 0, 1, 1, 5, 5, 6, 6}, new float[] {-0f, 0f}, new int[] {0, 0}, 0.5f));
    }

    @Test
    void emptyInput() {
        assertArrayEquals(new int[0], nms(new float[0], new float[0], new int[0], 0.5f));
    }

    @Test
    void chainSuppressionIsGreedyNotTransitive() {
        // A=[0,0,10,10] suppresses B=[1,0,11,10] (IoU 90/110 = 0.818); B would suppress C=[2,0,12,10],
        // but B is gone and IoU(A, C) = 80/120 = 0.667 > 0.7 is false: C stays.
        float[] b = {0, 0, 10, 10, 1, 0, 11, 10, 2, 0, 12, 10};
        assertArrayEquals(new int[] {0, 2}, nms(b, new float[] {0.9f, 0.8f, 0.7f}, new int[] {0, 0, 0}, 0.7f));
    }

    @Test
    void groupsNeverSuppressEachOther() {
        float[] b = {0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10};
        assertArrayEquals(new int[] {3, 2, 1, 0}, nms(b, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, new int[] {7, 3, 0, 79}, 0.1f));
        assertArrayEquals(new int[] {3}, nms(b, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, new int[] {5, 5, 5, 5}, 0.1f));
    }

    @Test
    void degenerateBoxesHaveIouZero() {
        // A zero-width box inside a big box, two identical zero-area boxes, a touching box.
        float[] b = {0, 0, 10, 10, 5, 0, 5, 10, 5, 0, 5, 10, 10, 0, 20, 10};
        assertEquals(0f, ReferenceNms.iou(0, 0, 10, 10, 5, 0, 5, 10));
        assertEquals(0f, ReferenceNms.iou(5, 0, 5, 10, 5, 0, 5, 10));
        assertEquals(0f, ReferenceNms.iou(0, 0, 10, 10, 10, 0, 20, 10));
        assertArrayEquals(new int[] {0, 1, 2, 3}, nms(b, new float[] {0.9f, 0.8f, 0.7f, 0.6f}, new int[] {0, 0, 0, 0}, 0f));
    }

    @Test
    void manyClassesOneImage() {
        // 80 classes, each with a pair of identical boxes: one survivor per class.
        int n = 160;
        float[] b = new float[4 * n];
        float[] s = new float[n];
        int[] g = new int[n];
        for (int i = 0; i < n; i++) {
            b[4 * i + 2] = 10;
            b[4 * i + 3] = 10;
            s[i] = i;
            g[i] = i / 2;
        }
        int[] kept = nms(b, s, g, 0.5f);
        assertEquals(80, kept.length);
        for (int r = 0; r < 80; r++) assertEquals(n - 1 - 2 * r, kept[r]);
    }

    @Test
    void badInputsNameTheProblem() {
        float[] b = {0, 0, 1, 1};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> nms(b, new float[] {Float.NaN}, new int[] {0}, 0.5f));
        assertTrue(e.getMessage().contains("score 0 is NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> nms(new float[] {5, 0, 1, 1}, new float[] {1}, new int[] {0}, 0.5f));
        assertTrue(e.getMessage().contains("negative width"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> nms(new float[] {0, 0, Float.POSITIVE_INFINITY, 1},
                new float[] {1}, new int[] {0}, 0.5f));
        assertTrue(e.getMessage().contains("coordinate 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> nms(b, new float[] {1, 2}, new int[] {0, 0}, 0.5f));
        assertTrue(e.getMessage().contains("need 8 box values"), e.getMessage());
    }
}
