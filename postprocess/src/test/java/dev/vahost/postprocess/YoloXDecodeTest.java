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
 * YOLOX raw rows through the CPU path on an input that is not a multiple of 32 (72x40: grids 9x5,
 * 5x3 and 3x2 = 66 anchors, each a ceiling), with expected boxes worked out by hand from
 * cx = (x + gx) * s, w = exp(lw) * s. Not covered here: the kernel (EmulatedKernelsTest,
 * GpuPostprocessorTest).
 */
class YoloXDecodeTest {
    private static final int W = 72, H = 40, C = 2, A = 66, COLS = 5 + C;

    /** Sets anchor a of image b: x, y, lw, lh, obj, class scores. */
    private static void set(float[] out, int b, int a, float... v) {
        System.arraycopy(v, 0, out, (b * A + a) * COLS, v.length);
    }

    /**
     * Every anchor objectness 0 except: level 0 (first anchor 0, 9x5) cell (3, 2) = anchor 21;
     * the last cell of level 0 (8, 4) = anchor 44; level 1 (first 45, 5x3) cells (0, 0) = 45 and
     * (4, 2) = 59; level 2 (first 60, 3x2) cell (2, 1) = 65. All values exact in binary16.
     */
    static float[] image(int n) {
        float[] out = new float[n * A * COLS];
        for (int b = 0; b < n; b++) {
            set(out, b, 21, 0.5f, 0.25f, 0, 0, 0.875f, 0.25f, 0.75f);   // (28, 18) 8x8 -> class 1, 0.65625
            set(out, b, 44, 0.5f, 0.5f, 0, 0, 0.625f, 0.875f, 0f);      // (68, 36) 8x8 -> class 0, 0.546875
            set(out, b, 45, 0.5f, 0.5f, 0, 0, 0.625f, 0f, 0.875f);      // (8, 8) 16x16 -> class 1, 0.546875
            set(out, b, 59, -0.5f, 0f, 0, 0, 1f, 0.75f, 0.75f);         // (56, 32) 16x16 -> tie: class 0, 0.75
            set(out, b, 65, 0.25f, 0.5f, 0, 0, 0.75f, 0.875f, 0.125f);  // (72, 48) 32x32 -> class 0, 0.65625
        }
        return out;
    }

    @ParameterizedTest(name = "fp16 input = {0}")
    @ValueSource(booleans = {false, true})
    void gridsLevelsAndBoxesByHand(boolean fp16) {
        float[] out = image(1);
        if (fp16) out = Half.toFloats(Half.fromFloats(out));
        YoloXDecode d = new YoloXDecode(C, A, W, H, 0.5f);
        List<Detection> r = new CpuPostprocessor(d, NmsConfig.classAware(0.5f, 66, 66))
                .run(List.of(InputMapping.identity(W, H)), HostTensor.f32(out, 1, A, COLS)).detections(0);
        assertEquals(List.of(
                new Detection(0, 0.75f, 48, 24, 64, 40, 59),
                new Detection(1, 0.65625f, 24, 14, 32, 22, 21),
                new Detection(0, 0.65625f, 56, 32, 72, 40, 65),     // (56, 32, 88, 64) clipped to the 72x40 frame
                new Detection(0, 0.546875f, 64, 32, 72, 40, 44),
                new Detection(1, 0.546875f, 0, 0, 16, 16, 45)), r);
    }

    @Test
    void sizesAreExpOfTheLogTimesTheStride() {
        float[] out = image(1);
        out[21 * COLS + 2] = (float) Math.log(2);   // w = 2 cells = 16 px
        out[21 * COLS + 3] = (float) Math.log(0.5); // h = 4 px
        Detection d = new CpuPostprocessor(new YoloXDecode(C, A, W, H, 0.5f), NmsConfig.classAware(0.5f, 66, 66))
                .run(List.of(InputMapping.identity(W, H)), HostTensor.f32(out, 1, A, COLS)).detections(0).stream()
                .filter(x -> x.candidate() == 21).findFirst().orElseThrow();
        assertEquals(20f, d.x1(), 1e-5f);
        assertEquals(16f, d.y1(), 1e-5f);
        assertEquals(36f, d.x2(), 1e-5f);
        assertEquals(20f, d.y2(), 1e-5f);
    }

    @Test
    void invalidValuesAndOverflowingBoxesAreProblemsOfTheirImage() {
        float[] out = image(2);
        out[(A + 10) * COLS + 2] = Float.NaN; // image 1, anchor 10: log w
        out[(A + 11) * COLS + 3] = 100f;      // image 1, anchor 11: exp(100) overflows float
        BatchDetections r = new CpuPostprocessor(new YoloXDecode(C, A, W, H, 0.5f), NmsConfig.classAware(0.5f, 66, 66))
                .run(List.of(InputMapping.identity(W, H), InputMapping.identity(W, H)), HostTensor.f32(out, 2, A, COLS));
        assertFalse(r.problem(0).isPresent());
        assertEquals(5, r.detections(0).size());
        String p = r.problem(1).orElseThrow();
        assertTrue(p.contains("box coordinate is NaN or infinite") && p.contains("candidate 10"), p);
        out[(A + 10) * COLS + 2] = 0;
        r = new CpuPostprocessor(new YoloXDecode(C, A, W, H, 0.5f), NmsConfig.classAware(0.5f, 66, 66))
                .run(List.of(InputMapping.identity(W, H), InputMapping.identity(W, H)), HostTensor.f32(out, 2, A, COLS));
        assertTrue(r.problem(1).orElseThrow().contains("candidate 11"), r.problem(1).orElse(""));
    }

    @Test
    void anchorCountMustMatchTheGridsAndTheMessageNamesBoth() {
        assertEquals(8400, YoloXDecode.gridAnchors(640, 640, YoloXDecode.defaultStrides()));
        assertEquals(66, YoloXDecode.gridAnchors(W, H, YoloXDecode.defaultStrides()));
        assertEquals("9x5 + 5x3 + 3x2 = 66 cells", YoloXDecode.describeGrids(W, H, new int[] {8, 16, 32}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new YoloXDecode(80, 8401, 640, 640, 0.3f));
        assertTrue(e.getMessage().contains("8401 anchors") && e.getMessage().contains("80x80 + 40x40 + 20x20 = 8400 cells")
                && e.getMessage().contains("640x640") && e.getMessage().contains("[8, 16, 32]"), e.getMessage());
        YoloXDecode p6 = new YoloXDecode(80, 8500, 640, 640, new int[] {8, 16, 32, 64}, 0.3f);
        assertEquals(4, p6.levels());
        assertThrows(IllegalArgumentException.class, () -> new YoloXDecode(80, 8400, 640, 640, new int[0], 0.3f));
        assertThrows(IllegalArgumentException.class, () -> new YoloXDecode(80, 8400, 640, 640, new int[] {8, 0, 32}, 0.3f));
        int[] strides = {8, 16, 32};
        YoloXDecode d = new YoloXDecode(80, 8400, 640, 640, strides, 0.3f);
        strides[0] = 4;
        assertEquals(8, d.stride(0), "the config keeps its own copy of the strides");
        assertEquals(new YoloXDecode(80, 8400, 640, 640, 0.3f), d);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> new CpuPostprocessor(d,
                NmsConfig.classAware(0.5f, 100, 100)).run(List.of(InputMapping.identity(640, 640)),
                HostTensor.f32(new float[85 * 8400], 1, 85, 8400)));
        assertTrue(shape.getMessage().contains("expected F32[1, 8400, 85]"), shape.getMessage());
    }
}
