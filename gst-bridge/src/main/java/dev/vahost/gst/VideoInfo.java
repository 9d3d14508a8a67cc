package dev.vahost.gst;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable description of the frames of one caps: format, size, rate, plane layout, colorimetry
 * and memory kind. Built once per caps change, shared by every frame of those caps.
 *
 * <p>Plane strides and offsets are GStreamer's defaults for the caps; a buffer that carries a
 * GstVideoMeta may override them per frame (see {@link VideoFrame#stride(int)}).
 */
public final class VideoInfo {
    /** Plane counts of the formats this project handles; others get theirs from the strides. */
    private static final Map<String, Integer> PLANES = Map.ofEntries(
            Map.entry("NV12", 2), Map.entry("NV21", 2), Map.entry("P010_10LE", 2), Map.entry("P016_LE", 2),
            Map.entry("I420", 3), Map.entry("YV12", 3), Map.entry("Y444", 3), Map.entry("Y42B", 3),
            Map.entry("RGBA", 1), Map.entry("BGRA", 1), Map.entry("RGBx", 1), Map.entry("BGRx", 1),
            Map.entry("xRGB", 1), Map.entry("xBGR", 1), Map.entry("ARGB", 1), Map.entry("ABGR", 1),
            Map.entry("RGB", 1), Map.entry("BGR", 1), Map.entry("GRAY8", 1), Map.entry("YUY2", 1),
            Map.entry("UYVY", 1));

    /** GstVideoColorRange. */
    public enum ColorRange { UNKNOWN, FULL, LIMITED }

    /** GstVideoColorMatrix (the YUV→RGB matrix). */
    public enum ColorMatrix { UNKNOWN, RGB, FCC, BT709, BT601, SMPTE240M, BT2020 }

    private final String format;
    private final int width;
    private final int height;
    private final int fpsN;
    private final int fpsD;
    private final MemoryKind memory;
    private final int planes;
    private final int[] strides;
    private final long[] offsets;
    private final long size;
    private final ColorRange range;
    private final ColorMatrix matrix;
    private final String caps;

    public VideoInfo(String format, int width, int height, int fpsN, int fpsD, MemoryKind memory,
                     int[] strides, long[] offsets, long size, ColorRange range, ColorMatrix matrix, String caps) {
        this.format = Objects.requireNonNull(format, "format");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("video size must be positive, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.fpsN = fpsN;
        this.fpsD = fpsD;
        this.memory = Objects.requireNonNull(memory, "memory");
        this.strides = strides.clone();
        this.offsets = offsets.clone();
        int n = PLANES.getOrDefault(format, 0);
        if (n == 0) {
            for (int s : strides) {
                if (s != 0) n++;
            }
        }
        this.planes = n;
        this.size = size;
        this.range = Objects.requireNonNull(range, "range");
        this.matrix = Objects.requireNonNull(matrix, "matrix");
        this.caps = caps;
    }

    /** GStreamer format name, e.g. {@code NV12}, {@code RGBA}. */
    public String format() { return format; }
    public int width() { return width; }
    public int height() { return height; }
    /** Frame rate numerator (0 for variable or unknown). */
    public int fpsN() { return fpsN; }
    public int fpsD() { return fpsD; }
    public MemoryKind memory() { return memory; }
    public int planes() { return planes; }
    /** Default row stride of plane {@code p}, in bytes. */
    public int stride(int p) { return strides[p]; }
    /** Default byte offset of plane {@code p} from the start of the frame. */
    public long offset(int p) { return offsets[p]; }
    /** Default frame size in bytes (system memory layout). */
    public long size() { return size; }
    public ColorRange range() { return range; }
    public ColorMatrix matrix() { return matrix; }
    /** The caps string these were parsed from (for logs and errors). */
    public String caps() { return caps; }

    @Override
    public String toString() {
        return format + " " + width + "x" + height + (fpsD > 0 ? " @" + fpsN + "/" + fpsD : "")
                + " " + memory + " strides=" + Arrays.toString(Arrays.copyOf(strides, planes))
                + " " + matrix + "/" + range;
    }
}
