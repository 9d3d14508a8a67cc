package dev.vahost.ops;

import java.util.Objects;

import dev.vahost.nvmm.DType;

/**
 * What {@link LetterboxResize} (and its CPU reference) makes of each frame: a {@code width x height}
 * 3-channel image in {@code dtype} (F16 or F32), {@code layout}, channel {@code order}, resampled
 * with {@code interpolation}, placed by {@code fit}, padded with {@code padValue} (pixel units
 * 0..255, normalised like the pixels), normalised by {@code normalize}. Immutable and validated at
 * construction.
 */
public record PreprocessConfig(int width, int height, DType dtype, TensorLayout layout, ChannelOrder order,
                               Interpolation interpolation, Fit fit, int padValue, Normalize normalize) {
    public PreprocessConfig {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("output size must be positive, got " + width + "x" + height);
        }
        if (width > 16384 || height > 16384) {
            throw new IllegalArgumentException("output size " + width + "x" + height + " exceeds 16384x16384");
        }
        Objects.requireNonNull(dtype, "dtype");
        if (dtype != DType.F16 && dtype != DType.F32) {
            throw new UnsupportedOperationException("preprocessing writes F16 or F32 tensors, not " + dtype);
        }
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(interpolation, "interpolation");
        Objects.requireNonNull(fit, "fit");
        if (padValue < 0 || padValue > 255) {
            throw new IllegalArgumentException("pad value is a pixel value within 0..255, got " + padValue);
        }
        Objects.requireNonNull(normalize, "normalize");
    }

    /**
     * The common detector input: {@code width x height}, fp16, NCHW, RGB, bilinear, centred letterbox
     * padded with 114 (Ultralytics' grey), values scaled to 0..1.
     */
    public static PreprocessConfig letterbox(int width, int height) {
        return new PreprocessConfig(width, height, DType.F16, TensorLayout.NCHW, ChannelOrder.RGB,
                Interpolation.LINEAR, Fit.LETTERBOX_CENTER, 114, Normalize.scale(255f));
    }

    public PreprocessConfig withDType(DType d) {
        return new PreprocessConfig(width, height, d, layout, order, interpolation, fit, padValue, normalize);
    }

    public PreprocessConfig withLayout(TensorLayout l) {
        return new PreprocessConfig(width, height, dtype, l, order, interpolation, fit, padValue, normalize);
    }

    public PreprocessConfig withOrder(ChannelOrder o) {
        return new PreprocessConfig(width, height, dtype, layout, o, interpolation, fit, padValue, normalize);
    }

    public PreprocessConfig withInterpolation(Interpolation i) {
        return new PreprocessConfig(width, height, dtype, layout, order, i, fit, padValue, normalize);
    }

    public PreprocessConfig withFit(Fit f) {
        return new PreprocessConfig(width, height, dtype, layout, order, interpolation, f, padValue, normalize);
    }

    public PreprocessConfig withPadValue(int p) {
        return new PreprocessConfig(width, height, dtype, layout, order, interpolation, fit, p, normalize);
    }

    public PreprocessConfig withNormalize(Normalize n) {
        return new PreprocessConfig(width, height, dtype, layout, order, interpolation, fit, padValue, n);
    }

    /** The tensor shape for a batch of {@code n}: {@code [n,3,H,W]} or {@code [n,H,W,3]}. */
    public long[] shape(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + n);
        }
        return layout == TensorLayout.NCHW ? new long[] {n, 3, height, width} : new long[] {n, height, width, 3};
    }

    /** Bytes of the tensor for a batch of {@code n}. */
    public long bytes(int n) {
        return (long) n * 3 * width * height * dtype.bytes();
    }

    /** Where a {@code source} region goes in the output (a pure function of the sizes). */
    public Letterbox letterboxOf(Rect source) {
        return Letterbox.of(this, source);
    }
}
