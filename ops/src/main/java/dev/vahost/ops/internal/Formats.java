package dev.vahost.ops.internal;

import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.PixelFormat;

/** Pixel formats the ops read: kernel codes (pixel.cuh's {@code Format}) and plane geometry. */
public final class Formats {
    private Formats() {}

    /** The kernel code of {@code f}; UnsupportedOperationException for formats the kernels do not read. */
    public static int code(PixelFormat f) {
        return switch (f) {
            case NV12 -> 0;
            case I420 -> 1;
            case RGBA -> 2;
            case BGRA -> 3;
            case RGBX -> 4;
            case BGRX -> 5;
            case RGB -> 6;
            case BGR -> 7;
            case P010 -> throw new UnsupportedOperationException("ops read 8-bit formats; " + f.gstName()
                    + " (10-bit) is not supported");
        };
    }

    /** True for 4:2:0 YUV formats (chroma at half resolution). */
    public static boolean isYuv(PixelFormat f) {
        return f == PixelFormat.NV12 || f == PixelFormat.I420 || f == PixelFormat.P010;
    }

    /** True for one-plane 8-bit RGB formats (3 or 4 bytes per pixel). */
    public static boolean isPacked(PixelFormat f) {
        return f.planes() == 1;
    }

    /** Rows of plane {@code p} of an image {@code height} tall. */
    public static int planeRows(PixelFormat f, int height, int p) {
        return p == 0 ? height : (height + 1) / 2;
    }

    /** Meaningful bytes per row of plane {@code p} of an image {@code width} wide. */
    public static int planeRowBytes(PixelFormat f, int width, int p) {
        if (p == 0) {
            return width * f.bytesPerPixel();
        }
        int cw = (width + 1) / 2;
        return f == PixelFormat.NV12 ? 2 * cw : cw;
    }

    /** As {@link #checkPitches(String, PixelFormat, int, int[])} for batch frame {@code index}; allocates nothing unless it throws. */
    public static void checkPitches(DeviceImage image, int index) {
        for (int p = 0; p < image.format().planes(); p++) {
            if (image.pitch(p) < planeRowBytes(image.format(), image.width(), p)) {
                checkPitches("frame " + index, image.format(), image.width(), image.pitches());
            }
        }
    }

    /** Throws IllegalArgumentException naming {@code what} when a plane's pitch is shorter than its rows. */
    public static void checkPitches(String what, PixelFormat f, int width, int[] pitches) {
        for (int p = 0; p < f.planes(); p++) {
            int need = planeRowBytes(f, width, p);
            if (pitches[p] < need) {
                throw new IllegalArgumentException(what + ": " + f + " " + width + " wide needs a pitch of at least "
                        + need + " bytes for plane " + p + ", got " + pitches[p]);
            }
        }
    }
}
