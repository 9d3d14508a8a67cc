package dev.vahost.ops;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.ops.internal.Formats;

/**
 * An image in host memory: the CPU counterpart of {@link dev.vahost.nvmm.DeviceImage}, read by the
 * CPU references ({@link dev.vahost.ops.cpu}). Plane {@code p} starts at byte {@code offsets[p]} of
 * {@code data} and has rows every {@code pitches[p]} bytes. The buffer is used with absolute
 * indexing only (its position and limit are ignored) and is not copied: a HostImage over a mapped
 * GStreamer buffer is valid while the mapping is.
 */
public final class HostImage {
    private final PixelFormat format;
    private final int width;
    private final int height;
    private final ByteBuffer data;
    private final int[] offsets;
    private final int[] pitches;
    private final ColorSpec color;

    public HostImage(PixelFormat format, int width, int height, ByteBuffer data, int[] offsets, int[] pitches,
                     ColorSpec color) {
        this.format = Objects.requireNonNull(format, "format");
        this.color = Objects.requireNonNull(color, "color");
        Objects.requireNonNull(data, "data");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        int planes = format.planes();
        if (offsets.length != planes || pitches.length != planes) {
            throw new IllegalArgumentException(format + " has " + planes + " planes, got " + offsets.length
                    + " offsets and " + pitches.length + " pitches");
        }
        Formats.code(format); // UnsupportedOperationException for formats the ops do not read
        Formats.checkPitches("host image", format, width, pitches);
        for (int p = 0; p < planes; p++) {
            long end = offsets[p] + (long) pitches[p] * (Formats.planeRows(format, height, p) - 1)
                    + Formats.planeRowBytes(format, width, p);
            if (offsets[p] < 0 || end > data.capacity()) {
                throw new IllegalArgumentException(format + " " + width + "x" + height + ": plane " + p + " at offset "
                        + offsets[p] + " with pitch " + pitches[p] + " needs " + end + " bytes, the buffer has "
                        + data.capacity());
            }
        }
        this.width = width;
        this.height = height;
        this.data = data;
        this.offsets = offsets.clone();
        this.pitches = pitches.clone();
    }

    /** A zeroed image with the given plane pitches, planes one after another. */
    public static HostImage allocate(PixelFormat format, int width, int height, int[] pitches, ColorSpec color) {
        int[] offsets = new int[format.planes()];
        long size = 0;
        for (int p = 0; p < offsets.length; p++) {
            offsets[p] = (int) size;
            size += (long) pitches[p] * Formats.planeRows(format, height, p);
        }
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image of " + size + " bytes is too large for a host buffer");
        }
        return new HostImage(format, width, height, ByteBuffer.allocate((int) size), offsets, pitches, color);
    }

    /** A zeroed image with tight pitches (each row exactly as long as its pixels). */
    public static HostImage allocate(PixelFormat format, int width, int height, ColorSpec color) {
        return allocate(format, width, height, tightPitches(format, width), color);
    }

    /** Tight plane pitches of a {@code width}-wide image. */
    public static int[] tightPitches(PixelFormat format, int width) {
        int[] pitches = new int[format.planes()];
        for (int p = 0; p < pitches.length; p++) {
            pitches[p] = Formats.planeRowBytes(format, width, p);
        }
        return pitches;
    }

    public PixelFormat format() { return format; }

    public int width() { return width; }

    public int height() { return height; }

    public ColorSpec color() { return color; }

    public ByteBuffer data() { return data; }

    public int offset(int plane) { return offsets[plane]; }

    public int pitch(int plane) { return pitches[plane]; }

    public int planes() { return offsets.length; }

    /** Rows of plane {@code p}. */
    public int planeRows(int p) {
        return Formats.planeRows(format, height, p);
    }

    /** Meaningful bytes per row of plane {@code p}. */
    public int planeRowBytes(int p) {
        return Formats.planeRowBytes(format, width, p);
    }

    /** Byte {@code column} of row {@code row} of plane {@code plane}, 0..255. */
    public int get(int plane, int column, int row) {
        return data.get(offsets[plane] + row * pitches[plane] + column) & 0xff;
    }

    /** Sets byte {@code column} of row {@code row} of plane {@code plane}. */
    public void set(int plane, int column, int row, int value) {
        data.put(offsets[plane] + row * pitches[plane] + column, (byte) value);
    }

    /** Plane {@code p} as a dense array of {@code planeRows(p)} rows of {@code planeRowBytes(p)} bytes. */
    public byte[] planeBytes(int p) {
        int rowBytes = planeRowBytes(p);
        int rows = planeRows(p);
        byte[] out = new byte[rowBytes * rows];
        for (int r = 0; r < rows; r++) {
            data.get(offsets[p] + r * pitches[p], out, r * rowBytes, rowBytes);
        }
        return out;
    }

    /** A copy with tight pitches, in a new heap buffer. */
    public HostImage compact() {
        HostImage c = allocate(format, width, height, color);
        for (int p = 0; p < planes(); p++) {
            c.data.put(c.offsets[p], planeBytes(p));
        }
        return c;
    }

    /** The same pixels, described with another colour spec (YUV formats convert by it). */
    public HostImage withColor(ColorSpec c) {
        return new HostImage(format, width, height, data, offsets, pitches, c);
    }

    @Override
    public String toString() {
        return "HostImage[" + format + " " + width + "x" + height + " pitches " + Arrays.toString(pitches) + " " + color + "]";
    }
}
