package dev.vahost.nvmm;

/** Pixel layouts a {@link DeviceImage} may have, with GStreamer's format names. */
public enum PixelFormat {
    /** 8-bit Y plane, then interleaved UV at half resolution. */
    NV12("NV12", 2),
    /** 8-bit Y, U, V planes, chroma at half resolution. */
    I420("I420", 3),
    /** 10-bit in 16-bit little-endian words, NV12 layout. Recognised; ops may refuse it. */
    P010("P010_10LE", 2),
    RGBA("RGBA", 1),
    BGRA("BGRA", 1),
    RGBX("RGBx", 1),
    BGRX("BGRx", 1),
    RGB("RGB", 1),
    BGR("BGR", 1);

    private final String gstName;
    private final int planes;

    PixelFormat(String gstName, int planes) {
        this.gstName = gstName;
        this.planes = planes;
    }

    public String gstName() {
        return gstName;
    }

    public int planes() {
        return planes;
    }

    /** Bytes per pixel of the first plane. */
    public int bytesPerPixel() {
        return switch (this) {
            case NV12, I420 -> 1;
            case P010 -> 2;
            case RGB, BGR -> 3;
            default -> 4;
        };
    }

    /** The format of a GStreamer format name, or null when this project does not know it. */
    public static PixelFormat ofGstName(String name) {
        for (PixelFormat f : values()) {
            if (f.gstName.equals(name)) return f;
        }
        return null;
    }
}
