package dev.vahost.examples.pixelate;

import java.util.List;

/**
 * The CPU reference of the kernel, from its definition: boxes in order; each cut into cell x cell
 * squares from its top-left corner (clipped at its edge); every luma pixel of a square set to the
 * square's mean rounded half up; the NV12 chroma samples under the square (half the size) likewise,
 * U and V apart.
 */
public final class PixelateReference {
    private PixelateReference() {}

    /** Applies {@code boxes} (from {@link PixelBoxes#align}) to the planes in place. */
    public static void apply(byte[] y, int pitchY, byte[] uv, int pitchUv, List<int[]> boxes, int cell) {
        for (int[] b : boxes) {
            for (int sy = b[1]; sy < b[3]; sy += cell) {
                for (int sx = b[0]; sx < b[2]; sx += cell) {
                    int ex = Math.min(sx + cell, b[2]), ey = Math.min(sy + cell, b[3]);
                    fill(y, pitchY, sx, sy, ex, ey, 1, 0);
                    fill(uv, pitchUv, sx / 2, sy / 2, ex / 2, ey / 2, 2, 0);
                    fill(uv, pitchUv, sx / 2, sy / 2, ex / 2, ey / 2, 2, 1);
                }
            }
        }
    }

    /** Sets samples [x0, x1) x [y0, y1) (each {@code step} bytes apart, at {@code offset}) to their rounded mean. */
    private static void fill(byte[] plane, int pitch, int x0, int y0, int x1, int y1, int step, int offset) {
        long sum = 0, n = (long) (x1 - x0) * (y1 - y0);
        for (int r = y0; r < y1; r++) for (int c = x0; c < x1; c++) sum += plane[r * pitch + c * step + offset] & 0xff;
        byte mean = (byte) ((sum + n / 2) / n);
        for (int r = y0; r < y1; r++) for (int c = x0; c < x1; c++) plane[r * pitch + c * step + offset] = mean;
    }
}
