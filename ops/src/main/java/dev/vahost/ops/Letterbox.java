package dev.vahost.ops;

import java.util.Objects;

/**
 * Where one frame's source region landed in the output image, and how to map coordinates back.
 * The region {@code source} (the whole frame, or a crop) was resized to {@code width x height} and
 * placed with its top-left corner at {@code (padX, padY)}.
 *
 * <p>{@link #scaleX()} / {@link #scaleY()} are the exact per-axis gains the resize used (output
 * pixels per source pixel, {@code width / source.width}); in letterbox mode both equal the
 * letterbox gain {@code r = min(W / w, H / h)} up to the rounding of the content size to whole
 * pixels. A detector box in output pixels maps back with {@link #toSourceX} / {@link #toSourceY}.
 */
public record Letterbox(Rect source, int padX, int padY, int width, int height) {
    public Letterbox {
        Objects.requireNonNull(source, "source");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("resized size must be positive, got " + width + "x" + height);
        }
        if (padX < 0 || padY < 0) {
            throw new IllegalArgumentException("padding must not be negative, got (" + padX + "," + padY + ")");
        }
    }

    /**
     * The placement of {@code source} for {@code config}: STRETCH fills the output; the letterbox fits
     * scale by {@code r = min(W / w, H / h)} (double), round the content size to nearest (ties to even,
     * like Python's {@code round}) within 1..W and 1..H, and centre it with floor division (or put it
     * at the top-left).
     */
    public static Letterbox of(PreprocessConfig config, Rect source) {
        int outW = config.width();
        int outH = config.height();
        if (config.fit() == Fit.STRETCH) {
            return new Letterbox(source, 0, 0, outW, outH);
        }
        double r = Math.min((double) outW / source.width(), (double) outH / source.height());
        int w = clamp((int) Math.rint(source.width() * r), 1, outW);
        int h = clamp((int) Math.rint(source.height() * r), 1, outH);
        boolean centre = config.fit() == Fit.LETTERBOX_CENTER;
        return new Letterbox(source, centre ? (outW - w) / 2 : 0, centre ? (outH - h) / 2 : 0, w, h);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Output pixels per source pixel along x. */
    public double scaleX() {
        return (double) width / source.width();
    }

    /** Output pixels per source pixel along y. */
    public double scaleY() {
        return (double) height / source.height();
    }

    /**
     * Source pixels per output pixel along x, exactly as the resize computes it ({@code 1 / (w'/w)},
     * OpenCV's {@code scale_x}).
     */
    public double sourceStepX() {
        return 1.0 / ((double) width / source.width());
    }

    /** Source pixels per output pixel along y, as {@link #sourceStepX()}. */
    public double sourceStepY() {
        return 1.0 / ((double) height / source.height());
    }

    /** An x coordinate (continuous, pixel edges at integers) of the output, in the frame's pixels. */
    public double toSourceX(double x) {
        return source.x() + (x - padX) / scaleX();
    }

    /** A y coordinate of the output, in the frame's pixels. */
    public double toSourceY(double y) {
        return source.y() + (y - padY) / scaleY();
    }
}
