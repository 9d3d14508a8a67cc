package dev.vahost.ops.overlay;

import java.util.Random;

import dev.vahost.ops.ChannelOrder;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.cpu.ColorConvertCpu;

/** Random overlays that reach every rule's corners, and the CPU reference picture, for the kernel tests. */
public final class OverlayCases {
    private OverlayCases() {}

    /**
     * Figures over a {@code w x h} picture: outlines, labels and segments, some partly or wholly
     * outside, thin and thick, steep, shallow, diagonal, horizontal, vertical and single-pixel
     * segments, labels with characters outside the font and scales 1..3, overlapping in every order.
     */
    public static Overlay random(int w, int h, long seed) {
        Random r = new Random(seed);
        Overlay o = new Overlay();
        int n = 8 + r.nextInt(24);
        for (int i = 0; i < n; i++) {
            int rgb = r.nextInt(1 << 24);
            switch (r.nextInt(3)) {
                case 0 -> {
                    int l = r.nextInt(w + 20) - 10, t = r.nextInt(h + 20) - 10;
                    o.outline(l, t, l + r.nextInt(w / 2 + 2) - 1, t + r.nextInt(h / 2 + 2) - 1, 1 + r.nextInt(4), rgb);
                }
                case 1 -> {
                    StringBuilder text = new StringBuilder();
                    int chars = r.nextInt(12);
                    for (int c = 0; c < chars; c++) text.append(r.nextInt(10) == 0 ? '\u00e9' : (char) (32 + r.nextInt(95)));
                    o.label(r.nextInt(w + 40) - 30, r.nextInt(h + 20) - 15, 1 + r.nextInt(3), text.toString(), rgb);
                }
                default -> {
                    int x0 = r.nextInt(w + 20) - 10, y0 = r.nextInt(h + 20) - 10, x1, y1;
                    switch (r.nextInt(5)) {
                        case 0 -> { x1 = x0; y1 = y0; }                          // one pixel
                        case 1 -> { x1 = r.nextInt(w + 20) - 10; y1 = y0; }      // horizontal
                        case 2 -> { x1 = x0; y1 = r.nextInt(h + 20) - 10; }      // vertical
                        case 3 -> { int d = r.nextInt(40) - 20; x1 = x0 + d; y1 = y0 + (r.nextBoolean() ? d : -d); } // diagonal
                        default -> { x1 = r.nextInt(w + 20) - 10; y1 = r.nextInt(h + 20) - 10; }
                    }
                    o.segment(x0, y0, x1, y1, 1 + r.nextInt(3), rgb);
                }
            }
        }
        return o;
    }

    /** Appends figure set {@code k} of {@link #random} to {@code o} (many figures for one frame). */
    public static void appendTo(Overlay o, int w, int h, long k) {
        Overlay more = random(w, h, 7_000_000L + k);
        int[] f = more.figures();
        byte[] g = more.glyphs();
        for (int i = 0; i < more.count(); i++) {
            int a = i * Overlay.INTS;
            switch (f[a]) {
                case Overlay.OUTLINE -> o.outline(f[a + 2], f[a + 3], f[a + 4], f[a + 5], f[a + 6], f[a + 1]);
                case Overlay.SEGMENT -> o.segment(f[a + 2], f[a + 3], f[a + 4], f[a + 5], f[a + 6], f[a + 1]);
                default -> {
                    StringBuilder text = new StringBuilder();
                    for (int c = 0; c < f[a + 6]; c++) text.append((char) (32 + g[f[a + 5] + c]));
                    o.label(f[a + 2], f[a + 3], f[a + 4], text.toString(), f[a + 1]);
                }
            }
        }
    }

    /** The reference: the frame converted by ColorConvertCpu, then the overlay drawn by OverlayCpu, as packed RGB bytes. */
    public static byte[] reference(HostImage frame, Overlay o) {
        int w = frame.width(), h = frame.height();
        HostImage rgb = ColorConvertCpu.convert(frame, ChannelOrder.RGB);
        int[] px = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) px[y * w + x] = rgb.get(0, 3 * x, y) << 16 | rgb.get(0, 3 * x + 1, y) << 8 | rgb.get(0, 3 * x + 2, y);
        }
        OverlayCpu.draw(px, w, h, o);
        byte[] out = new byte[3 * w * h];
        for (int i = 0; i < px.length; i++) {
            out[3 * i] = (byte) (px[i] >> 16);
            out[3 * i + 1] = (byte) (px[i] >> 8);
            out[3 * i + 2] = (byte) px[i];
        }
        return out;
    }

    /** The first differing pixel, described, or null when {@code got} (packed rows of {@code pitch} bytes) equals {@code want}. */
    public static String firstDifference(byte[] want, byte[] got, int gotOffset, int pitch, int w, int h) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int a = want[3 * (y * w + x) + c] & 255, b = got[gotOffset + y * pitch + 3 * x + c] & 255;
                    if (a != b) return "pixel (" + x + ", " + y + ") channel " + c + ": kernel " + b + ", reference " + a;
                }
            }
        }
        return null;
    }
}
