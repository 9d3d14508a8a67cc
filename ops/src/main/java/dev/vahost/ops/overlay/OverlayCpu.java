package dev.vahost.ops.overlay;

/**
 * The CPU reference of {@link Overlay}: draws each figure in order into 0xRRGGBB pixels, with
 * rectangle fills and a step-by-step Bresenham, so that it is independent of the GPU kernel's
 * per-pixel arithmetic (overlay.cu works out, for each pixel, which figure covers it last).
 * <ul>
 * <li><b>Outline</b> (L, T, R, B, t): columns L..L+t-1 and R-t+1..R over rows T..B, and rows T..T+t-1
 *     and B-t+1..B over columns L..R, all within the rectangle; nothing when L &gt; R or T &gt; B.</li>
 * <li><b>Label</b>: the background rectangle, then the glyph dots in black (see {@link Overlay#label}).</li>
 * <li><b>Segment</b> (x0, y0)-(x1, y1), t: integer Bresenham with error {@code e = dx - dy}, per pixel a
 *     step in x when {@code 2e >= -dy} and in y when {@code 2e <= dx}; each pixel repeated t times at
 *     +1 across the shorter axis (x for a steep segment, else y).</li>
 * </ul>
 * Pixels outside the picture are not drawn.
 */
public final class OverlayCpu {
    public static final int TEXT = 0x000000;

    private OverlayCpu() {}

    /** Draws {@code overlay} into {@code px} (row-major, {@code width x height}, 0xRRGGBB). */
    public static void draw(int[] px, int width, int height, Overlay overlay) {
        if (px.length < width * height) throw new IllegalArgumentException("pixels " + px.length + " < " + width + "x" + height);
        int[] f = overlay.figures();
        byte[] g = overlay.glyphs();
        for (int i = 0; i < overlay.count(); i++) {
            int o = i * Overlay.INTS, rgb = f[o + 1];
            switch (f[o]) {
                case Overlay.OUTLINE -> outline(px, width, height, f[o + 2], f[o + 3], f[o + 4], f[o + 5], f[o + 6], rgb);
                case Overlay.LABEL -> label(px, width, height, f[o + 2], f[o + 3], f[o + 4], g, f[o + 5], f[o + 6], rgb);
                case Overlay.SEGMENT -> segment(px, width, height, f[o + 2], f[o + 3], f[o + 4], f[o + 5], f[o + 6], rgb);
                default -> throw new IllegalStateException("figure kind " + f[o]);
            }
        }
    }

    static void outline(int[] px, int w, int h, int l, int top, int r, int b, int t, int rgb) {
        if (l > r || top > b) return;
        fill(px, w, h, l, top, Math.min(l + t, r + 1), b + 1, rgb);
        fill(px, w, h, Math.max(r - t + 1, l), top, r + 1, b + 1, rgb);
        fill(px, w, h, l, top, r + 1, Math.min(top + t, b + 1), rgb);
        fill(px, w, h, l, Math.max(b - t + 1, top), r + 1, b + 1, rgb);
    }

    static void label(int[] px, int w, int h, int x, int y, int s, byte[] glyphs, int at, int n, int background) {
        fill(px, w, h, x, y, x + (1 + BitmapFont.ADVANCE * n) * s, y + 9 * s, background);
        byte[] table = TABLE;
        for (int i = 0; i < n; i++) {
            int glyph = glyphs[at + i];
            for (int col = 0; col < BitmapFont.WIDTH; col++) {
                int bits = table[glyph * BitmapFont.WIDTH + col];
                for (int row = 0; row < BitmapFont.HEIGHT; row++) {
                    if ((bits >> row & 1) == 0) continue;
                    int dx = x + s * (1 + BitmapFont.ADVANCE * i + col), dy = y + s * (1 + row);
                    fill(px, w, h, dx, dy, dx + s, dy + s, TEXT);
                }
            }
        }
    }

    static void segment(int[] px, int w, int h, int x0, int y0, int x1, int y1, int t, int rgb) {
        int dx = Math.abs(x1 - x0), dy = Math.abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        boolean steep = dy > dx;
        int err = dx - dy, x = x0, y = y0;
        while (true) {
            for (int k = 0; k < t; k++) {
                if (steep) plot(px, w, h, x + k, y, rgb);
                else plot(px, w, h, x, y + k, rgb);
            }
            if (x == x1 && y == y1) break;
            int e2 = 2 * err;
            if (e2 >= -dy) {
                err -= dy;
                x += sx;
            }
            if (e2 <= dx) {
                err += dx;
                y += sy;
            }
        }
    }

    private static final byte[] TABLE = BitmapFont.table();

    private static void plot(int[] px, int w, int h, int x, int y, int rgb) {
        if (x >= 0 && y >= 0 && x < w && y < h) px[y * w + x] = rgb;
    }

    /** Fills [x0, x1) x [y0, y1), clipped. */
    static void fill(int[] px, int w, int h, int x0, int y0, int x1, int y1, int rgb) {
        x0 = Math.max(0, x0);
        y0 = Math.max(0, y0);
        x1 = Math.min(w, x1);
        y1 = Math.min(h, y1);
        for (int y = y0; y < y1; y++) {
            if (x1 > x0) java.util.Arrays.fill(px, y * w + x0, y * w + x1, rgb);
        }
    }
}
