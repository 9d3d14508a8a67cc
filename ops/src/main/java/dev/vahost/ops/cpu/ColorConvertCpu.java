package dev.vahost.ops.cpu;

import dev.vahost.nvmm.PixelFormat;
import dev.vahost.ops.ChannelOrder;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Rect;
import dev.vahost.ops.internal.ColorCoefficients;

/**
 * CPU reference of colour conversion to 8-bit RGB/BGR (the GPU op is {@link dev.vahost.ops.ColorConvert}).
 * YUV 4:2:0 uses the chroma sample of {@code (x/2, y/2)} (no chroma interpolation, as OpenCV's
 * {@code COLOR_YUV2RGB_NV12/_I420}) and the fixed-point arithmetic of {@link ColorCoefficients};
 * packed formats just pick their bytes (alpha / padding dropped).
 */
public final class ColorConvertCpu {
    private ColorConvertCpu() {}

    /** R, G, B (0..255) of the pixel at {@code (x, y)} of {@code img}, into {@code rgb[0..2]}. */
    public static void rgbAt(HostImage img, int x, int y, int[] rgb) {
        switch (img.format()) {
            case NV12 -> ColorCoefficients.of(img.color()).toRgb(img.get(0, x, y),
                    img.get(1, (x >> 1) * 2, y >> 1), img.get(1, (x >> 1) * 2 + 1, y >> 1), rgb);
            case I420 -> ColorCoefficients.of(img.color()).toRgb(img.get(0, x, y),
                    img.get(1, x >> 1, y >> 1), img.get(2, x >> 1, y >> 1), rgb);
            case RGBA, RGBX -> pick(img, x * 4, y, 0, 1, 2, rgb);
            case BGRA, BGRX -> pick(img, x * 4, y, 2, 1, 0, rgb);
            case RGB -> pick(img, x * 3, y, 0, 1, 2, rgb);
            case BGR -> pick(img, x * 3, y, 2, 1, 0, rgb);
            default -> throw new UnsupportedOperationException("no colour conversion from " + img.format());
        }
    }

    private static void pick(HostImage img, int col, int y, int r, int g, int b, int[] rgb) {
        rgb[0] = img.get(0, col + r, y);
        rgb[1] = img.get(0, col + g, y);
        rgb[2] = img.get(0, col + b, y);
    }

    /** The whole image converted to tightly packed RGB or BGR. */
    public static HostImage convert(HostImage in, ChannelOrder order) {
        return convert(in, Rect.full(in.width(), in.height()), order);
    }

    /**
     * The region {@code r} of {@code in} converted to tightly packed RGB or BGR. Chroma is read at the
     * pixels' absolute positions, so this equals converting the whole image and then cropping.
     */
    public static HostImage convert(HostImage in, Rect r, ChannelOrder order) {
        r.requireInside(in.width(), in.height(), "colour conversion of " + in);
        HostImage out = HostImage.allocate(order == ChannelOrder.RGB ? PixelFormat.RGB : PixelFormat.BGR,
                r.width(), r.height(), in.color());
        int[] rgb = new int[3];
        int first = order == ChannelOrder.RGB ? 0 : 2;
        for (int y = 0; y < r.height(); y++) {
            for (int x = 0; x < r.width(); x++) {
                rgbAt(in, r.x() + x, r.y() + y, rgb);
                out.set(0, 3 * x, y, rgb[first]);
                out.set(0, 3 * x + 1, y, rgb[1]);
                out.set(0, 3 * x + 2, y, rgb[2 - first]);
            }
        }
        return out;
    }
}
