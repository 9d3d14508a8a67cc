package dev.vahost.examples.pixelate;

/**
 * Where a detection box is pixelated: its pixels widened to even coordinates (so that luma squares
 * cover whole NV12 chroma samples) and clipped to the frame. Shared by the stage and its CPU reference.
 */
public final class PixelBoxes {
    private PixelBoxes() {}

    /**
     * {x0, y0, x1, y1} (x1, y1 exclusive, all even) covering the box (x2, y2 exclusive) within a
     * width x height frame, or null when nothing of it is inside.
     */
    public static int[] align(float x1, float y1, float x2, float y2, int width, int height) {
        int w = width & ~1, h = height & ~1;
        int ax0 = clamp((int) Math.floor(x1) & ~1, w), ay0 = clamp((int) Math.floor(y1) & ~1, h);
        int ax1 = clamp(((int) Math.ceil(x2) + 1) & ~1, w), ay1 = clamp(((int) Math.ceil(y2) + 1) & ~1, h);
        return ax1 > ax0 && ay1 > ay0 ? new int[] {ax0, ay0, ax1, ay1} : null;
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
