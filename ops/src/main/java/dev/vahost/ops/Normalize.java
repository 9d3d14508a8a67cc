package dev.vahost.ops;

import java.util.Arrays;
import java.util.Locale;

/**
 * Per-channel normalisation {@code y = (x / scale - mean[c]) / std[c]} of pixel values {@code x} in
 * 0..255, folded at construction into one multiply-add {@code y = x * multiply[c] + add[c]} with
 * {@code multiply = 1 / (scale std)} and {@code add = -mean / std} (computed in double, rounded once to
 * float). Mean and std are given in the <em>output</em> channel order (for a BGR tensor, mean[0] is
 * the blue mean). Immutable.
 */
public final class Normalize {
    private static final Normalize NONE = new Normalize(1f, new float[] {0, 0, 0}, new float[] {1, 1, 1});

    private final float scale;
    private final float[] mean;
    private final float[] std;
    private final float[] multiply;
    private final float[] add;

    private Normalize(float scale, float[] mean, float[] std) {
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("normalisation scale must be positive and finite, got " + scale);
        }
        if (mean == null || std == null || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("normalisation needs 3 means and 3 stds, got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        this.scale = scale;
        this.mean = mean.clone();
        this.std = std.clone();
        this.multiply = new float[3];
        this.add = new float[3];
        for (int c = 0; c < 3; c++) {
            if (!Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("normalisation mean[" + c + "] must be finite, got " + mean[c]);
            }
            if (!(std[c] > 0) || !Float.isFinite(std[c])) {
                throw new IllegalArgumentException("normalisation std[" + c + "] must be positive and finite, got " + std[c]);
            }
            multiply[c] = (float) (1.0 / ((double) scale * std[c]));
            add[c] = (float) (-(double) mean[c] / std[c]);
        }
    }

    /** {@code (x / scale - mean[c]) / std[c]}, means and stds in output channel order. */
    public static Normalize of(float scale, float[] mean, float[] std) {
        return new Normalize(scale, mean, std);
    }

    /** {@code x / scale} for every channel (e.g. 255 for YOLO-style 0..1 input). */
    public static Normalize scale(float scale) {
        return new Normalize(scale, new float[] {0, 0, 0}, new float[] {1, 1, 1});
    }

    /** Pixel values unchanged (0..255). */
    public static Normalize none() {
        return NONE;
    }

    /** torchvision's ImageNet statistics for an RGB tensor in 0..1: scale 255, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). */
    public static Normalize imagenetRgb() {
        return new Normalize(255f, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    public float scale() {
        return scale;
    }

    public float mean(int c) {
        return mean[c];
    }

    public float std(int c) {
        return std[c];
    }

    /** The folded factor of channel {@code c}. */
    public float multiply(int c) {
        return multiply[c];
    }

    /** The folded offset of channel {@code c}. */
    public float add(int c) {
        return add[c];
    }

    /** {@code fma(x, multiply[c], add[c])}: exactly what the kernels compute (one rounding). */
    public float apply(int c, float x) {
        return Math.fma(x, multiply[c], add[c]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalize n && Float.compare(n.scale, scale) == 0 && Arrays.equals(n.mean, mean)
                && Arrays.equals(n.std, std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Float.hashCode(scale) + Arrays.hashCode(mean)) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Normalize[(x/%s - %s)/%s]", scale, Arrays.toString(mean), Arrays.toString(std));
    }
}
