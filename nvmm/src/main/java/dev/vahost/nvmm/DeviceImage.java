package dev.vahost.nvmm;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where an image lies in device memory: format, size, one device address and row pitch (bytes)
 * per plane, colour spec. A plain descriptor: it owns nothing, and is valid only while whatever
 * owns the memory (a {@link DeviceFrame}, a test's buffer) is.
 */
public record DeviceImage(PixelFormat format, int width, int height, long[] planes, int[] pitches, ColorSpec color) {
    public DeviceImage {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(color, "color");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (planes.length != format.planes() || pitches.length != format.planes()) {
            throw new IllegalArgumentException(format + " has " + format.planes() + " planes, got "
                    + planes.length + " addresses and " + pitches.length + " pitches");
        }
        int minPitch = width * format.bytesPerPixel();
        if (pitches[0] < minPitch) {
            throw new IllegalArgumentException(format + " " + width + "x" + height + ": pitch " + pitches[0]
                    + " is smaller than a row (" + minPitch + " bytes)");
        }
        for (int p = 0; p < planes.length; p++) {
            if (planes[p] == 0) throw new IllegalArgumentException("plane " + p + " has a null address");
        }
        planes = planes.clone();
        pitches = pitches.clone();
    }

    /** NV12 with both planes at {@code pitch}, UV plane at {@code y + uvOffset}. */
    public static DeviceImage nv12(long y, long uvOffset, int pitch, int width, int height, ColorSpec color) {
        return new DeviceImage(PixelFormat.NV12, width, height, new long[] {y, y + uvOffset}, new int[] {pitch, pitch}, color);
    }

    public long plane(int p) {
        return planes[p];
    }

    public int pitch(int p) {
        return pitches[p];
    }

    @Override
    public long[] planes() {
        return planes.clone();
    }

    @Override
    public int[] pitches() {
        return pitches.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceImage d && d.format == format && d.width == width && d.height == height
                && Arrays.equals(d.planes, planes) && Arrays.equals(d.pitches, pitches) && d.color.equals(color);
    }

    @Override
    public int hashCode() {
        return Objects.hash(format, width, height, Arrays.hashCode(planes), Arrays.hashCode(pitches), color);
    }

    @Override
    public String toString() {
        return format + " " + width + "x" + height + " pitch " + pitches[0] + " " + color;
    }
}
