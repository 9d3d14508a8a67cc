package dev.vahost.ops.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import dev.vahost.nvmm.ColorSpec;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fixed-point YUV→RGB coefficients and arithmetic. Expected pixels are worked out by hand from
 * OpenCV's formula (color_yuv.simd.hpp) for BT.601 limited, and from the textbook decimal
 * coefficients for the derived specs.
 */
class ColorCoefficientsTest {
    @Test
    void bt601LimitedIsOpenCvsConstants() {
        ColorCoefficients c = ColorCoefficients.BT601_LIMITED;
        // ITUR_BT_601_CY, _CVR, _CVG, _CUG, _CUB of OpenCV, SHIFT 20
        assertEquals(new ColorCoefficients(16, 1220542, 1673527, -852492, -409993, 2116026), c);
        assertSame(c, ColorCoefficients.of(ColorSpec.BT601_LIMITED));
    }

    /** Derived coefficients against the published decimal matrices (BT.709 and JPEG/BT.601 full range). */
    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({
            // matrix, range, yOffset, cy, cvr, cvg, cug, cub (textbook, 6 decimals)
            "BT709, LIMITED, 16, 1.164384, 1.792741, -0.532909, -0.213249, 2.112402",
            "BT601, FULL, 0, 1.0, 1.402, -0.714136, -0.344136, 1.772",
            "BT709, FULL, 0, 1.0, 1.5748, -0.468124, -0.187324, 1.8556",
    })
    void derivedCoefficientsMatchTheStandards(ColorSpec.Matrix m, ColorSpec.Range r, int yOffset, double cy,
                                              double cvr, double cvg, double cug, double cub) {
        ColorCoefficients c = ColorCoefficients.of(new ColorSpec(m, r));
        double s = 1 << ColorCoefficients.SHIFT;
        assertEquals(yOffset, c.yOffset());
        assertEquals(cy, c.cy() / s, 1e-6);
        assertEquals(cvr, c.cvr() / s, 1e-6);
        assertEquals(cvg, c.cvg() / s, 1e-6);
        assertEquals(cug, c.cug() / s, 1e-6);
        assertEquals(cub, c.cub() / s, 1e-6);
    }

    @ParameterizedTest(name = "YUV({0},{1},{2}) -> RGB({3},{4},{5})")
    @CsvSource({
            "16, 128, 128, 0, 0, 0",          // limited black
            "235, 128, 128, 255, 255, 255",   // limited white: 219 x 1.164 = 254.9
            "128, 128, 128, 130, 130, 130",   // 112 x 1.164 = 130.4
            // y = 84 x 1220542 + 2^19 = 103049816; R: + 1673527 x 72 = 223543760 >> 20 = 213;
            // G: - 852492 x 72 - 409993 x 22 = 32650546 >> 20 = 31; B: + 2116026 x 22 = 149602388 >> 20 = 142
            "100, 150, 200, 213, 31, 142",
            // y = 65 x 1220542 + 2^19 = 79859518; R: + 1673527 x 112 = 267294542 >> 20 = 254; G and B negative -> 0
            "81, 90, 240, 254, 0, 0",
            // OpenCV clamps Y - 16 at 0: y = 2^19, R = (2^19 + 1673527 x 72) >> 20 = 115
            // (without the clamp, 1.164 x -6 + 1.596 x 72 would give 108)
            "10, 128, 200, 115, 0, 0",
            "255, 255, 255, 255, 125, 255",
            "0, 0, 0, 0, 154, 0",
    })
    void bt601LimitedPixelsAsOpenCv(int y, int u, int v, int r, int g, int b) {
        int[] rgb = new int[3];
        ColorCoefficients.BT601_LIMITED.toRgb(y, u, v, rgb);
        assertArrayEquals(new int[] {r, g, b}, rgb);
    }

    @Test
    void derivedSpecsOnOnePixel() {
        int[] rgb = new int[3];
        // BT.709 limited, textbook: R = 1.164384 x 84 + 1.792741 x 72 = 226.89, G = 97.81 - 4.69 - 38.37 = 54.75,
        // B = 97.81 + 46.47 = 144.28
        ColorCoefficients.of(ColorSpec.BT709_LIMITED).toRgb(100, 150, 200, rgb);
        assertArrayEquals(new int[] {227, 55, 144}, rgb);
        // BT.601 full: R = 100 + 1.402 x 72 = 200.9, G = 100 - 0.714136 x 72 - 0.344136 x 22 = 41.0, B = 100 + 1.772 x 22 = 139.0
        ColorCoefficients.of(ColorSpec.BT601_FULL).toRgb(100, 150, 200, rgb);
        assertArrayEquals(new int[] {201, 41, 139}, rgb);
        // BT.709 full: R = 100 + 1.5748 x 72 = 213.4, G = 100 - 0.468124 x 72 - 0.187324 x 22 = 62.2, B = 100 + 1.8556 x 22 = 140.8
        ColorCoefficients.of(ColorSpec.BT709_FULL).toRgb(100, 150, 200, rgb);
        assertArrayEquals(new int[] {213, 62, 141}, rgb);
    }

    /** Neutral chroma gives grey, and full range maps Y straight through. */
    @ParameterizedTest
    @EnumSource(ColorSpec.Matrix.class)
    void neutralChromaIsGrey(ColorSpec.Matrix m) {
        int[] rgb = new int[3];
        for (int y = 0; y < 256; y++) {
            ColorCoefficients.of(new ColorSpec(m, ColorSpec.Range.FULL)).toRgb(y, 128, 128, rgb);
            assertArrayEquals(new int[] {y, y, y}, rgb, "full-range Y " + y);
            ColorCoefficients.of(new ColorSpec(m, ColorSpec.Range.LIMITED)).toRgb(y, 128, 128, rgb);
            assertEquals(rgb[0], rgb[1]);
            assertEquals(rgb[1], rgb[2]);
            double expect = Math.max(0, Math.min(255, (y - 16) * 255.0 / 219.0));
            // rounding (0.5) plus OpenCV's 1.164 against 255/219 (4e-4 x 219 = 0.08)
            assertEquals(expect, rgb[0], 0.59, "limited Y " + y);
        }
    }
}
