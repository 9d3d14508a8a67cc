package dev.vahost.nvmm;

/**
 * How YUV samples map to RGB: the matrix (BT.601 or BT.709) and the range (limited 16–235/240 or
 * full 0–255). Taken from caps colorimetry; ignored for RGB formats.
 */
public record ColorSpec(Matrix matrix, Range range) {
    public enum Matrix { BT601, BT709 }

    public enum Range { LIMITED, FULL }

    public static final ColorSpec BT601_LIMITED = new ColorSpec(Matrix.BT601, Range.LIMITED);
    public static final ColorSpec BT709_LIMITED = new ColorSpec(Matrix.BT709, Range.LIMITED);
    public static final ColorSpec BT601_FULL = new ColorSpec(Matrix.BT601, Range.FULL);
    public static final ColorSpec BT709_FULL = new ColorSpec(Matrix.BT709, Range.FULL);

    /**
     * From caps colorimetry. Unlabelled content follows GStreamer's default: BT.709 from 720 lines
     * up, BT.601 below; an unknown range is limited.
     */
    public static ColorSpec of(dev.vahost.gst.VideoInfo info) {
        Matrix m = switch (info.matrix()) {
            case BT709 -> Matrix.BT709;
            case BT601, FCC, SMPTE240M -> Matrix.BT601;
            default -> info.height() >= 720 ? Matrix.BT709 : Matrix.BT601;
        };
        Range r = info.range() == dev.vahost.gst.VideoInfo.ColorRange.FULL ? Range.FULL : Range.LIMITED;
        return new ColorSpec(m, r);
    }

    public ColorSpec {
        if (matrix == null || range == null) {
            throw new IllegalArgumentException("matrix and range are required");
        }
    }
}
