package dev.vahost.ops.cpu;

import dev.vahost.ops.Crop;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Interpolation;
import dev.vahost.ops.Rect;
import dev.vahost.ops.internal.Formats;

/**
 * CPU reference of resizing with OpenCV's {@code cv::resize} semantics (the GPU op is
 * {@link dev.vahost.ops.Resize}; {@link LetterboxResizeCpu} uses the same taps).
 *
 * <p>Linear (resize.cpp, generic path): destination index {@code d} samples
 * {@code fx = (float)((d + 0.5) * scale - 0.5)}, {@code sx = floor(fx)}, weight {@code fx - sx}, with
 * {@code scale = 1 / (dst / src)} in double. Along x, a tap left of 0 or at/after the last column
 * moves to the edge with weight 0; along y both rows are clipped into the image and the weight is
 * kept. The two passes run in float: {@code top = v00 (1-a) + v01 a}, {@code bottom} alike, then
 * {@code top (1-b) + bottom b}. That is cv2.resize on float data; on 8-bit data OpenCV uses 11-bit
 * fixed-point weights, which may differ from this by 1 after rounding.
 *
 * <p>Nearest (resizeNN): {@code min(floor(d * scale), size - 1)}.
 */
public final class ResizeCpu {
    private ResizeCpu() {}

    /** Taps of one axis: source indices {@code i0}, {@code i1} and the weight {@code w1} of {@code i1}. */
    public record Taps(int[] i0, int[] i1, float[] w1) {}

    /** Source pixels per destination pixel, as OpenCV computes it: {@code 1 / ((double) dst / src)}. */
    public static double step(int src, int dst) {
        return 1.0 / ((double) dst / src);
    }

    /** Linear taps of a {@code dst}-long axis over a {@code src}-long one; {@code horizontal} picks the border rule. */
    public static Taps linear(int dst, int src, double step, boolean horizontal) {
        int[] i0 = new int[dst];
        int[] i1 = new int[dst];
        float[] w1 = new float[dst];
        for (int d = 0; d < dst; d++) {
            float f = (float) ((d + 0.5) * step - 0.5);
            int s = (int) Math.floor(f);
            f -= s;
            if (horizontal) {
                if (s < 0) {
                    s = 0;
                    f = 0f;
                }
                if (s >= src - 1) {
                    s = src - 1;
                    f = 0f;
                }
                i0[d] = s;
                i1[d] = Math.min(s + 1, src - 1);
            } else {
                i0[d] = clamp(s, 0, src - 1);
                i1[d] = clamp(s + 1, 0, src - 1);
            }
            w1[d] = f;
        }
        return new Taps(i0, i1, w1);
    }

    /** Nearest-neighbour source indices of a {@code dst}-long axis. */
    public static int[] nearest(int dst, int src, double step) {
        int[] idx = new int[dst];
        for (int d = 0; d < dst; d++) {
            idx[d] = Math.min((int) Math.floor(d * step), src - 1);
        }
        return idx;
    }

    /** The two linear passes (x then y) in float, in this order of operations. */
    public static float lerp2(float v00, float v01, float v10, float v11, float a1, float b1) {
        float a0 = 1f - a1;
        float b0 = 1f - b1;
        float top = v00 * a0 + v01 * a1;
        float bottom = v10 * a0 + v11 * a1;
        return top * b0 + bottom * b1;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** {@code in} (a packed 8-bit format) resized to {@code width x height}, same format, tight pitch. */
    public static HostImage resize(HostImage in, int width, int height, Interpolation interpolation) {
        return resize(in, Rect.full(in.width(), in.height()), width, height, interpolation);
    }

    /**
     * The region {@code r} of {@code in} resized to {@code width x height} (OpenCV:
     * {@code cv2.resize(img[y:y+h, x:x+w], (width, height))}, borders clamped at the region's edges).
     * Linear results are rounded to nearest, ties to even.
     */
    public static HostImage resize(HostImage in, Rect r, int width, int height, Interpolation interpolation) {
        if (!Formats.isPacked(in.format())) {
            throw new UnsupportedOperationException("resize reads packed RGB formats, not " + in.format()
                    + " (convert it first, or use LetterboxResize)");
        }
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("resize output size must be positive, got " + width + "x" + height);
        }
        HostImage src = Crop.of(in, r);
        int c = in.format().bytesPerPixel();
        HostImage out = HostImage.allocate(in.format(), width, height, in.color());
        double sx = step(src.width(), width);
        double sy = step(src.height(), height);
        if (interpolation == Interpolation.NEAREST) {
            int[] xs = nearest(width, src.width(), sx);
            int[] ys = nearest(height, src.height(), sy);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int k = 0; k < c; k++) {
                        out.set(0, x * c + k, y, src.get(0, xs[x] * c + k, ys[y]));
                    }
                }
            }
            return out;
        }
        Taps tx = linear(width, src.width(), sx, true);
        Taps ty = linear(height, src.height(), sy, false);
        for (int y = 0; y < height; y++) {
            int y0 = ty.i0()[y];
            int y1 = ty.i1()[y];
            float b = ty.w1()[y];
            for (int x = 0; x < width; x++) {
                int x0 = tx.i0()[x] * c;
                int x1 = tx.i1()[x] * c;
                float a = tx.w1()[x];
                for (int k = 0; k < c; k++) {
                    float v = lerp2(src.get(0, x0 + k, y0), src.get(0, x1 + k, y0), src.get(0, x0 + k, y1),
                            src.get(0, x1 + k, y1), a, b);
                    out.set(0, x * c + k, y, clamp((int) Math.rint(v), 0, 255));
                }
            }
        }
        return out;
    }
}
