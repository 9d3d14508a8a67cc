package dev.vahost.ops;

import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.ops.internal.Formats;

/**
 * Crop of a region as a view: no kernel and no copy, only plane addresses (or offsets) moved to the
 * region's first pixel, with the parent's pitches. The view is valid while the parent's memory is.
 *
 * <p>4:2:0 formats need an even region origin here, because a view cannot start half-way into a
 * chroma sample; {@link LetterboxResize} takes regions at any origin (it reads chroma at absolute
 * coordinates), and {@link Resize} crops packed images at any origin.
 */
public final class Crop {
    private Crop() {}

    /** The region {@code r} of {@code image}. */
    public static DeviceImage of(DeviceImage image, Rect r) {
        r.requireInside(image.width(), image.height(), "crop of " + image);
        PixelFormat f = image.format();
        checkOrigin(f, r);
        long[] planes = image.planes();
        int[] pitches = image.pitches();
        for (int p = 0; p < planes.length; p++) {
            planes[p] += planeOffset(f, p, r, pitches[p]);
        }
        return new DeviceImage(f, r.width(), r.height(), planes, pitches, image.color());
    }

    /** The region {@code r} of {@code image}, sharing its buffer. */
    public static HostImage of(HostImage image, Rect r) {
        r.requireInside(image.width(), image.height(), "crop of " + image);
        PixelFormat f = image.format();
        checkOrigin(f, r);
        int[] offsets = new int[image.planes()];
        int[] pitches = new int[image.planes()];
        for (int p = 0; p < offsets.length; p++) {
            pitches[p] = image.pitch(p);
            offsets[p] = image.offset(p) + (int) planeOffset(f, p, r, pitches[p]);
        }
        return new HostImage(f, r.width(), r.height(), image.data(), offsets, pitches, image.color());
    }

    private static void checkOrigin(PixelFormat f, Rect r) {
        Formats.code(f);
        if (Formats.isYuv(f) && (r.x() % 2 != 0 || r.y() % 2 != 0)) {
            throw new IllegalArgumentException("a " + f + " crop view needs an even origin (chroma is shared by 2x2 "
                    + "pixels), got " + r + "; pass the region to LetterboxResize instead, which reads any origin");
        }
    }

    private static long planeOffset(PixelFormat f, int p, Rect r, int pitch) {
        if (p == 0) {
            return (long) r.y() * pitch + (long) r.x() * f.bytesPerPixel();
        }
        // 4:2:0 chroma: row y/2; NV12 interleaves U and V, so its byte column is x (= 2 * x/2).
        return (long) (r.y() / 2) * pitch + (f == PixelFormat.NV12 ? r.x() : r.x() / 2);
    }
}
