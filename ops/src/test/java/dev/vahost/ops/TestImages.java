package dev.vahost.ops;

import java.util.SplittableRandom;

import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.PixelFormat;

/** Host images for tests: seeded random pixels, optional row padding filled with a marker byte. */
public final class TestImages {
    /** What padding bytes (beyond a row's pixels) hold, so a test notices when they are read. */
    public static final int PAD_BYTE = 0xEE;

    private TestImages() {}

    /** Random pixels with {@code extraPitch} bytes of padding after every row of every plane. */
    public static HostImage random(PixelFormat f, int w, int h, int extraPitch, ColorSpec color, long seed) {
        int[] pitches = HostImage.tightPitches(f, w);
        for (int p = 0; p < pitches.length; p++) {
            pitches[p] += extraPitch;
        }
        HostImage img = HostImage.allocate(f, w, h, pitches, color);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int p = 0; p < img.planes(); p++) {
            for (int y = 0; y < img.planeRows(p); y++) {
                for (int x = 0; x < pitches[p]; x++) {
                    img.set(p, x, y, x < img.planeRowBytes(p) ? rnd.nextInt(256) : PAD_BYTE);
                }
            }
        }
        return img;
    }

    /** Tightly packed RGB from {@code rgb[y][x*3 + c]}. */
    public static HostImage rgb(int[][] rows) {
        int h = rows.length;
        int w = rows[0].length / 3;
        HostImage img = HostImage.allocate(PixelFormat.RGB, w, h, ColorSpec.BT601_LIMITED);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < 3 * w; x++) {
                img.set(0, x, y, rows[y][x]);
            }
        }
        return img;
    }

    /** A single-channel pattern replicated into R, G and B (so interpolation can be checked per value). */
    public static HostImage grey(int[][] rows) {
        int[][] rgb = new int[rows.length][];
        for (int y = 0; y < rows.length; y++) {
            rgb[y] = new int[rows[y].length * 3];
            for (int x = 0; x < rows[y].length; x++) {
                rgb[y][3 * x] = rgb[y][3 * x + 1] = rgb[y][3 * x + 2] = rows[y][x];
            }
        }
        return rgb(rgb);
    }
}
