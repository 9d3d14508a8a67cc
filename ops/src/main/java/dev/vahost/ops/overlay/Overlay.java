package dev.vahost.ops.overlay;

import java.util.Arrays;

/**
 * What to draw over one picture: a list of figures in drawing order (a later figure covers an
 * earlier one), each eight ints, with the labels' glyphs alongside. The rules of each figure are
 * {@link OverlayCpu}'s (the CPU reference); {@link OverlayGpu} draws the same pixels on the GPU.
 * Colours are 0xRRGGBB. Coordinates may lie partly or wholly outside the picture: drawing clips.
 * Not thread-safe; reusable after {@link #clear}.
 */
public final class Overlay {
    /** Ints per figure: kind, colour, then six parameters. */
    public static final int INTS = 8;
    /** An outline {@code t} pixels thick inside the rectangle (a, b)-(c, d), both corners inclusive. */
    public static final int OUTLINE = 1;
    /** A label: a filled rectangle at (a, b), glyph scale c, text at offset d of length e. */
    public static final int LABEL = 2;
    /** A Bresenham segment from (a, b) to (c, d), e pixels thick across its shorter axis. */
    public static final int SEGMENT = 3;
    /** The most characters of one label (longer text is cut). */
    public static final int MAX_LABEL = 64;

    private int[] figures = new int[16 * INTS];
    private int count;
    private byte[] glyphs = new byte[256];
    private int glyphCount;

    /** Figures so far. */
    public int count() {
        return count;
    }

    /** Glyph indices so far (all labels' text, one byte per character). */
    public int glyphCount() {
        return glyphCount;
    }

    /** The figures' ints (the first {@code count() * INTS} are used); shared, not copied. */
    int[] figures() {
        return figures;
    }

    /** The labels' glyph indices ({@link BitmapFont#glyph}); shared, not copied. */
    byte[] glyphs() {
        return glyphs;
    }

    /** Forgets every figure. */
    public Overlay clear() {
        count = 0;
        glyphCount = 0;
        return this;
    }

    /**
     * An outline {@code thickness} pixels wide lying inside the rectangle with corners (left, top) and
     * (right, bottom), inclusive. Callers clip the rectangle to the picture first when the outline
     * should stay visible at the picture's edge (the OSD does).
     */
    public Overlay outline(int left, int top, int right, int bottom, int thickness, int rgb) {
        return add(OUTLINE, rgb, left, top, right, bottom, positive(thickness, "outline thickness"), 0);
    }

    /**
     * A label: a rectangle of {@code background}, {@code (1 + 6 n) scale} wide and {@code 9 scale}
     * high for n characters, with top-left (x, y), and the text's glyphs in black {@code scale x scale}
     * dots: character i's dot (c, r) covers the block at {@code (x + scale (1 + 6 i + c), y + scale (1 + r))}.
     */
    public Overlay label(int x, int y, int scale, String text, int background) {
        positive(scale, "label scale");
        int n = Math.min(text.length(), MAX_LABEL);
        if (glyphCount + n > glyphs.length) glyphs = Arrays.copyOf(glyphs, Math.max(glyphs.length * 2, glyphCount + n));
        int at = glyphCount;
        for (int i = 0; i < n; i++) glyphs[glyphCount++] = (byte) BitmapFont.glyph(text.charAt(i));
        return add(LABEL, background, x, y, scale, at, n, 0);
    }

    /** A segment between two pixels by integer Bresenham, {@code thickness} pixels thick (see {@link OverlayCpu}). */
    public Overlay segment(int x0, int y0, int x1, int y1, int thickness, int rgb) {
        return add(SEGMENT, rgb, x0, y0, x1, y1, positive(thickness, "segment thickness"), 0);
    }

    private Overlay add(int kind, int rgb, int a, int b, int c, int d, int e, int f) {
        if ((count + 1) * INTS > figures.length) figures = Arrays.copyOf(figures, figures.length * 2);
        int o = count++ * INTS;
        figures[o] = kind;
        figures[o + 1] = rgb & 0xFFFFFF;
        figures[o + 2] = a;
        figures[o + 3] = b;
        figures[o + 4] = c;
        figures[o + 5] = d;
        figures[o + 6] = e;
        figures[o + 7] = f;
        return this;
    }

    private static int positive(int v, String what) {
        if (v <= 0 || v > 64) throw new IllegalArgumentException(what + " must be 1..64, got " + v);
        return v;
    }
}
