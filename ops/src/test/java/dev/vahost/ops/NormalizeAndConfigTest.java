package dev.vahost.ops;

import org.junit.jupiter.api.Test;

import dev.vahost.nvmm.DType;

import static org.junit.jupiter.api.Assertions.*;

/** Normalisation folding against the unfolded formula; config validation. */
class NormalizeAndConfigTest {
    @Test
    void foldedMultiplyAddEqualsTheFormula() {
        Normalize n = Normalize.imagenetRgb();
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        for (int c = 0; c < 3; c++) {
            for (int x = 0; x <= 255; x++) {
                double formula = (x / 255.0 - mean[c]) / std[c];
                assertEquals(formula, n.apply(c, x), 2e-6, "channel " + c + " x " + x);
            }
        }
        // hand: x = 255, channel 0: (1 - 0.485) / 0.229 = 2.248908
        assertEquals(2.248908, n.apply(0, 255), 2e-6);
        assertEquals(1f / 255, Normalize.scale(255).multiply(1), 0f);
        assertEquals(0f, Normalize.scale(255).add(2), 0f);
        assertEquals(114f, Normalize.none().apply(0, 114f), 0f);
    }

    @Test
    void normalizeRejectsBadValues() {
        assertThrows(IllegalArgumentException.class, () -> Normalize.scale(0));
        assertThrows(IllegalArgumentException.class, () -> Normalize.scale(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> Normalize.of(1, new float[] {0, 0}, new float[] {1, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Normalize.of(1, new float[] {0, 0, 0}, new float[] {1, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> Normalize.of(1, new float[] {0, Float.POSITIVE_INFINITY, 0},
                new float[] {1, 1, 1}));
        assertEquals(Normalize.scale(255), Normalize.of(255, new float[] {0, 0, 0}, new float[] {1, 1, 1}));
    }

    @Test
    void configDefaultsShapesAndBytes() {
        PreprocessConfig c = PreprocessConfig.letterbox(640, 480);
        assertEquals(DType.F16, c.dtype());
        assertEquals(114, c.padValue());
        assertArrayEquals(new long[] {8, 3, 480, 640}, c.shape(8));
        assertArrayEquals(new long[] {8, 480, 640, 3}, c.withLayout(TensorLayout.NHWC).shape(8));
        assertEquals(8L * 3 * 480 * 640 * 2, c.bytes(8));
        assertEquals(8L * 3 * 480 * 640 * 4, c.withDType(DType.F32).bytes(8));
        assertEquals("letterbox_batch_to_f32_nhwc",
                LetterboxResize.kernelName(c.withDType(DType.F32).withLayout(TensorLayout.NHWC)));
        assertEquals("letterbox_batch_to_f16_nchw", LetterboxResize.kernelName(c));
    }

    @Test
    void configRejectsBadArguments() {
        PreprocessConfig c = PreprocessConfig.letterbox(640, 640);
        assertThrows(IllegalArgumentException.class, () -> PreprocessConfig.letterbox(-640, 640));
        assertThrows(IllegalArgumentException.class, () -> PreprocessConfig.letterbox(640, 0));
        assertThrows(IllegalArgumentException.class, () -> PreprocessConfig.letterbox(20000, 640));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> c.withDType(DType.U8));
        assertTrue(e.getMessage().contains("U8"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> c.withDType(DType.I32));
        assertThrows(IllegalArgumentException.class, () -> c.withPadValue(256));
        assertThrows(IllegalArgumentException.class, () -> c.withPadValue(-1));
        assertThrows(NullPointerException.class, () -> c.withNormalize(null));
        assertThrows(IllegalArgumentException.class, () -> c.shape(0));
    }
}
