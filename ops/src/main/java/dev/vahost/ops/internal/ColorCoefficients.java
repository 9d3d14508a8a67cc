package dev.vahost.ops.internal;

import dev.vahost.nvmm.ColorSpec;

/**
 * YUV→RGB in integer fixed point with {@link #SHIFT} fractional bits, OpenCV's arithmetic
 * (color_yuv.simd.hpp, {@code uvToRGBuv}/{@code yRGBuvToRGB}):
 * <pre>
 *   y = max(0, Y - yOffset) * cy + 2^19
 *   R = sat((y + cvr (V-128)) >> 20)
 *   G = sat((y + cvg (V-128) + cug (U-128)) >> 20)
 *   B = sat((y + cub (U-128)) >> 20)
 * </pre>
 * BT.601 limited range uses OpenCV's own constants (1.164, 1.596, -0.813, -0.391, 2.018 scaled by
 * 2^20), so {@code COLOR_YUV2RGB_NV12} / {@code _I420} results are reproduced exactly. OpenCV has no
 * BT.709 or full-range NV12 conversion; those are derived from the standard's Kr, Kb:
 * {@code cvr = 2(1-Kr) c}, {@code cub = 2(1-Kb) c}, {@code cug = -2 Kb (1-Kb)/Kg c},
 * {@code cvg = -2 Kr (1-Kr)/Kg c}, with {@code cy = 255/219, c = 255/224} for limited range
 * (Y offset 16) and {@code cy = c = 1} for full range (offset 0), each rounded to nearest after
 * scaling by 2^20. BT.601: Kr = 0.299, Kb = 0.114; BT.709: Kr = 0.2126, Kb = 0.0722.
 */
public record ColorCoefficients(int yOffset, int cy, int cvr, int cvg, int cug, int cub) {
    public static final int SHIFT = 20;

    /** OpenCV's ITUR_BT_601_* constants. */
    public static final ColorCoefficients BT601_LIMITED = new ColorCoefficients(16, 1220542, 1673527, -852492, -409993, 2116026);
    public static final ColorCoefficients BT709_LIMITED = derive(0.2126, 0.0722, true);
    public static final ColorCoefficients BT601_FULL = derive(0.299, 0.114, false);
    public static final ColorCoefficients BT709_FULL = derive(0.2126, 0.0722, false);

    public static ColorCoefficients of(ColorSpec spec) {
        boolean limited = spec.range() == ColorSpec.Range.LIMITED;
        return switch (spec.matrix()) {
            case BT601 -> limited ? BT601_LIMITED : BT601_FULL;
            case BT709 -> limited ? BT709_LIMITED : BT709_FULL;
        };
    }

    static ColorCoefficients derive(double kr, double kb, boolean limited) {
        double kg = 1 - kr - kb;
        double ys = limited ? 255.0 / 219.0 : 1.0;
        double cs = limited ? 255.0 / 224.0 : 1.0;
        return new ColorCoefficients(limited ? 16 : 0, fixed(ys), fixed(2 * (1 - kr) * cs),
                fixed(-2 * kr * (1 - kr) / kg * cs), fixed(-2 * kb * (1 - kb) / kg * cs), fixed(2 * (1 - kb) * cs));
    }

    private static int fixed(double c) {
        return (int) Math.round(c * (1 << SHIFT));
    }

    /** R, G, B (0..255) of one YUV sample, into {@code rgb[0..2]}. */
    public void toRgb(int y, int u, int v, int[] rgb) {
        int yy = Math.max(y - yOffset, 0) * cy + (1 << (SHIFT - 1));
        int uu = u - 128;
        int vv = v - 128;
        rgb[0] = sat((yy + cvr * vv) >> SHIFT);
        rgb[1] = sat((yy + cvg * vv + cug * uu) >> SHIFT);
        rgb[2] = sat((yy + cub * uu) >> SHIFT);
    }

    private static int sat(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
