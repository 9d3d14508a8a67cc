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
 * DetectNet_v2 coverage + bbox grids through the CPU path (2 classes on a 5x3 grid, input 80x48,
 * stride 16, box norm 35, offset 0.5), boxes worked out by hand from DeepStream's parser formula: with
 * the cell centre at (gx * 16 + 0.5, gy * 16 + 0.5) px, x1 = centre - 35 * bbox[4c], x2 = centre + 35 *
 * bbox[4c+2], etc. Boxes compared within 1e-4 px (the formula divides by 35 and multiplies back).
 * Not covered here: the kernel (EmulatedKernelsTest, GpuPostprocessorTest).
 */
class DetectNetV2DecodeTest {
    private static final int C = 2, GH = 3, GW = 5, PLANE = GH * GW;

    private static final class Grids {
        final float[] cov, bbox;

        Grids(int n) {
            cov = new float[n * C * PLANE];
            bbox = new float[n * 4 * C * PLANE];
            java.util.Arrays.fill(cov, 0.125f);
        }

        void cell(int b, int c, int gx, int gy, float coverage, float... edges) {
            cov[(b * C + c) * PLANE + gy * GW + gx] = coverage;
            for (int e = 0; e < edges.length; e++) bbox[(b * 4 * C + 4 * c + e) * PLANE + gy * GW + gx] = edges[e];
        }
    }

    /**
     * Image 0: class 0 at (2, 1) coverage 0.875, edges (0.5, 0.25, 0.5, 0.75) -> (15, 7.75, 50, 42.75),
     * slot 7; class 1 at (4, 0) 0.625, edges (0.2, 0.1, 0.2, 0.3) -> (57.5, -3, 71.5, 11), slot 19; class
     * 0 at (4, 0) 0.75 with the same box, slot 4 (another class: kept); class 1 at (3, 0) 0.5625 with
     * edges giving that box again from centre 48.5, slot 18 (suppressed by slot 19); class 0 at (0, 2)
     * coverage exactly 0.5 (= threshold: not a candidate); class 1 at (1, 1) below the threshold with
     * NaN edges (never read).
     */
    static Grids grids(int n) {
        Grids g = new Grids(n);
        for (int b = 0; b < n; b++) {
            g.cell(b, 0, 2, 1, 0.875f, 0.5f, 0.25f, 0.5f, 0.75f);
            g.cell(b, 1, 4, 0, 0.625f, 0.2f, 0.1f, 0.2f, 0.3f);
            g.cell(b, 0, 4, 0, 0.75f, 0.2f, 0.1f, 0.2f, 0.3f);
            g.cell(b, 1, 3, 0, 0.5625f, -9f / 35, 0.1f, 23f / 35, 0.3f);
            g.cell(b, 0, 0, 2, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f);
            g.cell(b, 1, 1, 1, 0.25f, Float.NaN, Float.NaN, Float.NaN, Float.NaN);
        }
        return g;
    }

    private static BatchDetections run(DetectNetV2Decode d, Grids g, int n, boolean fp16) {
        float[] cov = fp16 ? Half.toFloats(Half.fromFloats(g.cov)) : g.cov;
        float[] bbox = fp16 ? Half.toFloats(Half.fromFloats(g.bbox)) : g.bbox;
        List<InputMapping> maps = new java.util.ArrayList<>();
        for (int b = 0; b < n; b++) maps.add(InputMapping.identity(80, 48));
        return new CpuPostprocessor(d, NmsConfig.classAware(0.5f, 100, 100)).run(maps, HostTensor.f32(cov, n, C, GH, GW),
                HostTensor.f32(bbox, n, 4 * C, GH, GW));
    }

    /** The expected box from the edges as the model gives them (rounded to binary16 for fp16 input). */
    private static void assertBox(Detection d, int gx, int gy, boolean fp16, float... edges) {
        double[] e = new double[4];
        for (int k = 0; k < 4; k++) e[k] = fp16 ? Half.round(edges[k]) : edges[k];
        double cx = gx * 16 + 0.5, cy = gy * 16 + 0.5;
        double[] want = {Math.max(0, cx - 35 * e[0]), Math.max(0, cy - 35 * e[1]), Math.min(80, cx + 35 * e[2]),
                Math.min(48, cy + 35 * e[3])};
        float[] got = {d.x1(), d.y1(), d.x2(), d.y2()};
        for (int k = 0; k < 4; k++) assertEquals(want[k], got[k], 1e-4, "coordinate " + k + " of " + d);
    }

    @ParameterizedTest(name = "fp16 input = {0}")
    @ValueSource(booleans = {false, true})
    void cellsClassesAndBoxesByHand(boolean fp16) {
        BatchDetections r = run(DetectNetV2Decode.of(C, GH, GW, 80, 48, 0.5f), grids(2), 2, fp16);
        for (int b = 0; b < 2; b++) {
            List<Detection> d = r.detections(b);
            assertEquals(List.of(7, 4, 19), d.stream().map(Detection::candidate).toList(), "image " + b);
            assertEquals(List.of(0, 0, 1), d.stream().map(Detection::classId).toList());
            assertEquals(List.of(0.875f, 0.75f, 0.625f), d.stream().map(Detection::score).toList());
            assertBox(d.get(0), 2, 1, fp16, 0.5f, 0.25f, 0.5f, 0.75f);   // (15, 7.75, 50, 42.75)
            assertBox(d.get(1), 4, 0, fp16, 0.2f, 0.1f, 0.2f, 0.3f);     // (57.5, -3 -> 0, 71.5, 11)
            assertBox(d.get(2), 4, 0, fp16, 0.2f, 0.1f, 0.2f, 0.3f);
            assertEquals(4, r.candidatesAboveThreshold(b), "slots 7, 4, 19 and 18");
        }
        assertEquals(15f, r.detections(0).get(0).x1(), 1e-4f);
        assertEquals(42.75f, r.detections(0).get(0).y2(), 1e-4f);
    }

    @Test
    void perClassThresholds() {
        // Class 1 at 0.6: slot 18 (0.5625) is no longer a candidate; class 0 at 0.8: only slot 7.
        BatchDetections r = run(DetectNetV2Decode.of(C, GH, GW, 80, 48, 0.5f).withClassThresholds(0.8f, 0.6f), grids(1), 1, false);
        assertEquals(List.of(7, 19), r.detections(0).stream().map(Detection::candidate).toList());
        assertEquals(2, r.candidatesAboveThreshold(0));
        assertEquals(0.6f, DetectNetV2Decode.of(C, GH, GW, 80, 48, 0.5f).withClassThresholds(0.8f, 0.6f).scoreThreshold());
    }

    @Test
    void invalidValuesAreProblemsOfTheirImage() {
        Grids g = grids(2);
        g.cov[(1 * C + 0) * PLANE + 0 * GW + 3] = Float.NaN;  // image 1, class 0, (3, 0): slot 3
        BatchDetections r = run(DetectNetV2Decode.of(C, GH, GW, 80, 48, 0.5f), g, 2, false);
        assertFalse(r.problem(0).isPresent());
        String p = r.problem(1).orElseThrow();
        assertTrue(p.contains("score is NaN") && p.contains("candidate 3"), p);
    }

    @Test
    void anInvertedBoxIsNoDetectionNotABrokenOutput() {
        // As DeepStream's parser: the corners are regressed independently, a weak cell may invert.
        Grids g = grids(1);
        g.cell(0, 1, 0, 0, 0.9f, -1f, 0f, -1f, 0f);           // class 1, (0, 0): x2 < x1, slot 15
        BatchDetections r = run(DetectNetV2Decode.of(C, GH, GW, 80, 48, 0.5f), g, 1, false);
        assertFalse(r.problem(0).isPresent(), "an inverted box flagged the image");
        assertTrue(r.detections(0).stream().noneMatch(d -> d.candidate() == 15), "the inverted box was reported");
        assertFalse(r.detections(0).isEmpty(), "the image's other detections were dropped");
    }

    @Test
    void deepStreamStridesAndValidation() {
        DetectNetV2Decode peoplenet = DetectNetV2Decode.of(3, 34, 60, 960, 544, 0.4f);
        assertEquals(16f, peoplenet.strideX());
        assertEquals(16f, peoplenet.strideY());
        assertEquals(16f, DetectNetV2Decode.of(1, 3, 5, 80, 47, 0.4f).strideY(), "ceil(47 / 3)");
        assertEquals(35f, peoplenet.bboxNormX());
        assertEquals(0.5f, peoplenet.offset());
        assertEquals(3 * 34 * 60, peoplenet.candidateCapacity());
        assertThrows(IllegalArgumentException.class, () -> peoplenet.withClassThresholds(0.5f));
        assertThrows(IllegalArgumentException.class, () -> new DetectNetV2Decode(1, 3, 5, 16, 16, 0, 35, 0.5f, new float[] {0.5f}));
        assertThrows(IllegalArgumentException.class, () -> DetectNetV2Decode.of(1, 0, 5, 80, 48, 0.5f));
        CpuPostprocessor post = new CpuPostprocessor(peoplenet, NmsConfig.classAware(0.5f, 10, 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> post.run(
                List.of(InputMapping.identity(960, 544)), HostTensor.f32(new float[3 * 34 * 60], 1, 3, 34, 60),
                HostTensor.f32(new float[3 * 34 * 60], 1, 3, 34, 60)));
        assertTrue(e.getMessage().contains("bbox: expected F32[1, 12, 34, 60]"), e.getMessage());
    }
}
