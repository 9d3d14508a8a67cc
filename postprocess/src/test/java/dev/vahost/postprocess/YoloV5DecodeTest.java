package dev.vahost.postprocess;

import dev.vahost.nvmm.Half;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * YOLOv5/v7 rows [N, A, 5+C] through the CPU path, expected boxes and scores worked out by hand from
 * the format (cx, cy, w, h, objectness, class scores; score = obj x class score). fp16 inputs are the
 * same values rounded to binary16 (exact here, so the answers do not change). Not covered here: the
 * kernel (EmulatedKernelsTest, GpuPostprocessorTest).
 */
class YoloV5DecodeTest {
    private static final List<InputMapping> TWO = List.of(InputMapping.identity(200, 200), InputMapping.identity(200, 200));

    /**
     * Batch 2, A = 3, C = 3. Image 0: anchor 0 box (50, 40, 20x10) obj 0.75, classes (0.125, 0.875,
     * 0.25) -> class 1, 0.75 * 0.875 = 0.65625, box (40, 35, 60, 45); anchor 1 (10, 10, 4x6) obj 0.875,
     * classes (0.625, 0.625, 0.25) -> tie, class 0, 0.546875, box (8, 7, 12, 13); anchor 2 (70, 70,
     * 10x10) obj 0.5, classes (0.8125, ...) -> 0.40625, below 0.5. Image 1: anchor 0 (100, 100, 30x30)
     * class 2 at 1 x 0.75; anchor 1 the same box shifted by 2 px, class 2 at 0.625 -> suppressed
     * (IoU 840/960 = 0.875); anchor 2 that box as class 1 at 0.6875 -> kept (class-aware).
     * All values are exact in binary16.
     */
    static float[] rows() {
        return new float[] {
                50, 40, 20, 10, 0.75f, 0.125f, 0.875f, 0.25f,
                10, 10, 4, 6, 0.875f, 0.625f, 0.625f, 0.25f,
                70, 70, 10, 10, 0.5f, 0.8125f, 0.0625f, 0.0625f,
                100, 100, 30, 30, 1f, 0f, 0f, 0.75f,
                102, 100, 30, 30, 1f, 0f, 0f, 0.625f,
                102, 100, 30, 30, 1f, 0f, 0.6875f, 0f};
    }

    private static HostTensor input(float[] rows, boolean fp16, int n, int a, int c) {
        float[] v = fp16 ? Half.toFloats(Half.fromFloats(rows)) : rows;
        return HostTensor.f32(v, n, a, 5 + c);
    }

    @ParameterizedTest(name = "fp16 input = {0}")
    @ValueSource(booleans = {false, true})
    void bestClassByHand(boolean fp16) {
        var post = new CpuPostprocessor(new YoloV5Decode(3, 3, 0.5f), NmsConfig.classAware(0.5f, 10, 10));
        BatchDetections r = post.run(TWO, input(rows(), fp16, 2, 3, 3));
        assertEquals(List.of(new Detection(1, 0.65625f, 40, 35, 60, 45, 0), new Detection(0, 0.546875f, 8, 7, 12, 13, 1)),
                r.detections(0));
        assertEquals(List.of(new Detection(2, 0.75f, 85, 85, 115, 115, 0), new Detection(1, 0.6875f, 87, 85, 117, 115, 2)),
                r.detections(1));
        assertEquals(2, r.candidatesAboveThreshold(0));
        assertEquals(3, r.candidatesAboveThreshold(1));
    }

    @Test
    void scoreEqualToTheThresholdIsNotACandidate() {
        // Anchor 2 of image 0 scores 0.5 * 0.8125 = 0.40625 exactly.
        BatchDetections r = new CpuPostprocessor(new YoloV5Decode(3, 3, 0.40625f), NmsConfig.classAware(0.5f, 10, 10))
                .run(TWO, input(rows(), false, 2, 3, 3));
        assertEquals(List.of(0, 1), r.detections(0).stream().map(Detection::candidate).toList());
        BatchDetections lower = new CpuPostprocessor(new YoloV5Decode(3, 3, 0.40624f), NmsConfig.classAware(0.5f, 10, 10))
                .run(TWO, input(rows(), false, 2, 3, 3));
        assertEquals(List.of(0, 1, 2), lower.detections(0).stream().map(Detection::candidate).toList());
    }

    @Test
    void multiLabelGivesOneCandidatePerClassAboveTheThreshold() {
        // Threshold 0.2, image 0: anchor 0 -> class 1 (0.65625, slot 1) and class 2 (0.1875: no);
        // anchor 1 -> classes 0 and 1 (0.546875, slots 3 and 4), class 2 0.21875 (slot 5); anchor 2 ->
        // class 0 (0.40625, slot 6). Distinct boxes per anchor, so NMS keeps them all; equal scores
        // in slot order.
        var post = new CpuPostprocessor(YoloV5Decode.multiLabel(3, 3, 0.2f, 9), NmsConfig.classAware(0.5f, 9, 9));
        List<Detection> d = post.run(TWO, input(rows(), false, 2, 3, 3)).detections(0);
        assertEquals(List.of(1, 3, 4, 6, 5), d.stream().map(Detection::candidate).toList());
        assertEquals(List.of(1, 0, 1, 0, 2), d.stream().map(Detection::classId).toList());
        assertEquals(0.21875f, d.get(4).score());
        assertEquals(new Detection(1, 0.546875f, 8, 7, 12, 13, 4), d.get(2));
    }

    @Test
    void multiLabelCapacityOverflowIsAProblem() {
        BatchDetections r = new CpuPostprocessor(YoloV5Decode.multiLabel(3, 3, 0.2f, 4), NmsConfig.classAware(0.5f, 4, 4))
                .run(TWO, input(rows(), false, 2, 3, 3));
        assertTrue(r.problem(0).orElseThrow().contains("5 candidates above the score threshold exceed the capacity of 4"),
                r.problem(0).orElse(""));
        assertFalse(r.problem(1).isPresent());
    }

    @Test
    void invalidValuesAreProblemsOfTheirImageNamingTheAnchor() {
        float[] v = rows();
        v[2 * 8 + 3] = -10;              // image 0, anchor 2: negative h
        v[(3 + 1) * 8 + 4] = Float.NaN;  // image 1, anchor 1: objectness
        v[(3 + 2) * 8 + 6] = Float.POSITIVE_INFINITY; // image 1, anchor 2: a class score
        BatchDetections r = new CpuPostprocessor(new YoloV5Decode(3, 3, 0.5f), NmsConfig.classAware(0.5f, 10, 10))
                .run(TWO, input(v, false, 2, 3, 3));
        String p0 = r.problem(0).orElseThrow(), p1 = r.problem(1).orElseThrow();
        assertTrue(p0.contains("negative width or height") && p0.contains("candidate 2"), p0);
        assertTrue(p1.contains("score is NaN or infinite") && p1.contains("candidate 1"), p1);
        assertThrows(IllegalArgumentException.class, () -> r.detections(1));
        // Multi-label: the anchor's first slot (anchor * C).
        BatchDetections m = new CpuPostprocessor(YoloV5Decode.multiLabel(3, 3, 0.5f, 9), NmsConfig.classAware(0.5f, 9, 9))
                .run(TWO, input(v, false, 2, 3, 3));
        assertTrue(m.problem(1).orElseThrow().contains("candidate 3"), m.problem(1).orElse(""));
    }

    @Test
    void shapesAndConfigAreChecked() {
        var post = new CpuPostprocessor(new YoloV5Decode(80, 25200, 0.25f), NmsConfig.classAware(0.45f, 1000, 100));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> post.run(List.of(InputMapping.identity(640, 640)), HostTensor.f32(new float[84 * 25200], 1, 84, 25200)));
        assertTrue(e.getMessage().contains("expected F32[1, 25200, 85]") && e.getMessage().contains("F32[1, 84, 25200]"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new YoloV5Decode(0, 10, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new YoloV5Decode(2, 0, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new YoloV5Decode(2, 10, Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> YoloV5Decode.multiLabel(2, 10, 0.5f, 0));
        assertThrows(IllegalArgumentException.class, () -> YoloV5Decode.multiLabel(65536, 40000, 0.5f, 10));
        assertTrue(new YoloV5Decode(2, 10, 0.5f).requiresNms());
        assertEquals(10, new YoloV5Decode(2, 10, 0.5f).candidateCapacity());
    }
}
